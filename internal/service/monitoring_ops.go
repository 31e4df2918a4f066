package service

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// pageTokenSize is a status-page token's length: 256 random bits.
const pageTokenSize = 32

// StatusPagePath is where approovd serves a status page: the token follows.
const StatusPagePath = "/status/"

// monitoringRun checks every domain of the account now, as a scheduled
// round would (recorded, notified on change), and answers the states.
func (s *Service) monitoringRun(ctx context.Context, c *call, _ api.Empty) (api.MonitoringRun, error) {
	if err := s.view(ctx, func(tx store.Tx) error { _, _, err := s.live(tx, c); return err }); err != nil {
		return api.MonitoringRun{}, err
	}
	owner := "run-" + hex.EncodeToString(randBytes(8))
	jobs, err := s.claimChecks(ctx, c.acct.ID, owner, true)
	if err != nil {
		return api.MonitoringRun{}, err
	}
	s.runChecks(ctx, jobs)
	if len(jobs) > 0 {
		if _, err := s.settleChecks(ctx, c.acct.ID, owner, jobs); err != nil {
			return api.MonitoringRun{}, err
		}
	}
	out := api.MonitoringRun{}
	err = s.view(ctx, func(tx store.Tx) (err error) {
		out.Domains, err = monitoredDomains(tx, c.acct.ID)
		return err
	})
	return out, err
}

// monitoringTest sends a test notification to every configured target
// and answers the deliveries (also kept in the delivery history).
func (s *Service) monitoringTest(ctx context.Context, c *call, _ api.Empty) (api.MonitoringTest, error) {
	var m *monitorRec
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, _, err = s.live(tx, c); err == nil {
			m, err = loadMonitor(tx, c.acct.ID)
		}
		return err
	})
	if err == nil && m.Webhook == "" && len(m.Emails) == 0 {
		err = fault.WithHint(fault.New(fault.Invalid, "no notification target: set a webhook or email recipients first"),
			"approov monitoring set --email you@example.com")
	}
	if err != nil {
		return api.MonitoringTest{}, err
	}
	ds := s.deliver(ctx, c.acct.ID, m, []notice{{Event: eventTest, State: api.MonitorUnknown}}, nil)
	s.recordAlone(ctx, c.acct.ID, c.eventDetail("ok", "test notification sent"))
	out := api.MonitoringTest{Deliveries: []api.Delivery{}}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, d.wire())
	}
	return out, s.recordDeliveries(ctx, c.acct.ID, ds)
}

func (c *call) eventDetail(outcome, detail string) event {
	e := c.event(outcome)
	e.target, e.detail = "monitoring", detail
	return e
}

// pageHash is how a page token is stored and looked up.
func pageHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// pageEnable makes a new status-page link, revoking any previous one.
func (s *Service) pageEnable(ctx context.Context, c *call, _ api.Empty) (api.StatusPageLink, error) {
	token := base64.RawURLEncoding.EncodeToString(randBytes(pageTokenSize))
	err := s.mutateEvent(ctx, c, "monitoring", func(tx store.Tx, e *event) error {
		m, err := s.dropPage(tx, c.acct.ID)
		if err != nil {
			return err
		}
		m.PageHash = pageHash(token)
		e.detail = "status page link created (token not recorded)"
		if err := tx.Put(store.Monitoring, pageIndexKey(m.PageHash), []byte(c.acct.ID)); err != nil {
			return err
		}
		return putJSON(tx, store.Monitoring, monitorKey(c.acct.ID), m)
	})
	if err != nil {
		return api.StatusPageLink{}, err
	}
	return api.StatusPageLink{Token: token, Path: StatusPagePath + token}, nil
}

// pageDisable revokes the status-page link.
func (s *Service) pageDisable(ctx context.Context, c *call, _ api.Empty) (api.Empty, error) {
	return api.Empty{}, s.mutateEvent(ctx, c, "monitoring", func(tx store.Tx, e *event) error {
		m, err := s.dropPage(tx, c.acct.ID)
		if err != nil {
			return err
		}
		e.detail = "status page link revoked"
		return putJSON(tx, store.Monitoring, monitorKey(c.acct.ID), m)
	})
}

// dropPage removes the account's page link from its settings and the index.
func (s *Service) dropPage(tx store.Tx, account string) (*monitorRec, error) {
	m, err := loadMonitor(tx, account)
	if err != nil || m.PageHash == "" {
		return m, err
	}
	err = tx.Delete(store.Monitoring, pageIndexKey(m.PageHash))
	m.PageHash = ""
	return m, err
}
