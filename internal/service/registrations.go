package service

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

// registrationOps are the operations on registered builds.
var registrationOps = []endpoint{
	serve(api.OpRegistrationAdd, (*Service).addRegistration),
	serve(api.OpRegistrationList, (*Service).listRegistrations),
	serve(api.OpRegistrationRemove, (*Service).removeRegistration),
}

// maxExpireAfter bounds --expire-after (a typo in the unit, not a policy).
const maxExpireAfter = 100 * 365 * 24 * time.Hour

// regRec is a registered measurement, keyed account\x00id. It stops
// counting at ExpiresAt (zero: never) without anyone removing it.
type regRec struct {
	ID          string     `json:"id"`
	Measurement measureRec `json:"measurement"`
	AddedBy     string     `json:"added_by"`
	AddedAt     time.Time  `json:"added_at"`
	ExpiresAt   time.Time  `json:"expires_at,omitzero"`
}

// measureRec is a stored measurement: api.Measurement's fields, the
// service's own type (a change on the wire must not change what is on disk).
type measureRec struct {
	Format      string   `json:"format"`
	AppID       string   `json:"app_id"`
	VersionCode int64    `json:"version_code,omitempty"`
	Version     string   `json:"version,omitempty"`
	Build       string   `json:"build,omitempty"`
	Scheme      string   `json:"scheme,omitempty"`
	TeamID      string   `json:"team_id,omitempty"`
	Signers     []string `json:"signers"`
	Digests     []string `json:"digests"`
	FileSHA256  string   `json:"file_sha256"`
	FileName    string   `json:"file_name"`
}

func (r *regRec) expired(now time.Time) bool {
	return !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt)
}

func regKey(account, id string) string { return account + "\x00" + id }

// addRegistration registers a measurement once: a duplicate is reported,
// and a new expiry (or a renewal of an expired one) updates it.
func (s *Service) addRegistration(ctx context.Context, c *call, req api.AddRegistrationRequest) (api.RegistrationAdded, error) {
	m, err := validMeasurement(req.Measurement)
	if err != nil {
		return api.RegistrationAdded{}, err
	}
	if req.ExpireAfter < 0 || req.ExpireAfter > maxExpireAfter {
		return api.RegistrationAdded{}, fault.New(fault.Usage, "expire-after must be positive and under 100 years")
	}
	id := measurementID(m)
	var out api.RegistrationAdded
	err = s.mutate(ctx, c, id, func(tx store.Tx, _ *userRec, _ *roleRec) error {
		r, outcome, err := s.upsertRegistration(tx, c, id, m, req.ExpireAfter)
		if err != nil {
			return err
		}
		why, covered, err := s.certCovering(tx, c.acct.ID, m)
		out = api.RegistrationAdded{Outcome: outcome, Registration: s.regView(c, r)}
		if covered {
			out.CoveredBy = why
		}
		return err
	})
	return out, err
}

func (s *Service) upsertRegistration(tx store.Tx, c *call, id string, m api.Measurement, after time.Duration) (*regRec, string, error) {
	now := s.now()
	var expiry time.Time
	if after > 0 {
		expiry = now.Add(after)
	}
	r, err := loadReg(tx, c.acct.ID, id)
	outcome := api.RegExisting
	switch {
	case err != nil:
		return nil, "", err
	case r == nil:
		r, outcome = &regRec{ID: id, Measurement: measureRec(m), AddedBy: c.sess.User, AddedAt: now, ExpiresAt: expiry}, api.RegAdded
	case !s.mayChange(c, r):
		return r, outcome, nil // another's: a delegate changes nothing of it
	case r.expired(now):
		r.ExpiresAt, outcome = expiry, api.RegRenewed
	case after > 0:
		r.ExpiresAt, outcome = expiry, api.RegUpdated
	default:
		return r, outcome, nil
	}
	return r, outcome, putJSON(tx, store.Registrations, regKey(c.acct.ID, id), r)
}

// mayChange: a delegate sees and changes only its own registrations.
func (s *Service) mayChange(c *call, r *regRec) bool {
	return c.sess.Role != role.Delegate || r.AddedBy == c.sess.User
}

func (s *Service) regView(c *call, r *regRec) api.Registration {
	v := api.Registration{ID: r.ID, State: api.RegActive, AddedBy: r.AddedBy, AddedAt: r.AddedAt, ExpiresAt: r.ExpiresAt, Measurement: api.Measurement(r.Measurement)}
	if r.expired(s.now()) {
		v.State = api.RegExpired
	}
	if !s.mayChange(c, r) {
		v.AddedBy, v.AddedAt, v.ExpiresAt = "another user", time.Time{}, time.Time{}
	}
	return v
}

func loadReg(tx store.Tx, account, id string) (*regRec, error) {
	var r regRec
	ok, err := getJSON(tx, store.Registrations, regKey(account, id), &r)
	if !ok || err != nil {
		return nil, err
	}
	return &r, nil
}

// scanRegs calls fn for each registration of the account the caller may see.
func (s *Service) scanRegs(tx store.Tx, c *call, fn func(key string, r *regRec) error) error {
	start, end := store.Prefix(c.acct.ID + "\x00")
	return tx.Scan(store.Registrations, start, end, func(key string, v []byte) error {
		var r regRec
		if err := json.Unmarshal(v, &r); err != nil {
			return fault.New(fault.Internal, "corrupt registration record: %v", err)
		}
		if !s.mayChange(c, &r) {
			return nil
		}
		return fn(key, &r)
	})
}

func (s *Service) listRegistrations(ctx context.Context, c *call, q api.ListRegistrationsRequest) ([]api.Registration, error) {
	var recs []*regRec
	err := s.view(ctx, func(tx store.Tx) error {
		recs = recs[:0]
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		now := s.now()
		return s.scanRegs(tx, c, func(_ string, r *regRec) error {
			if (q.Package == "" || r.Measurement.AppID == q.Package) && (!q.Expired || r.expired(now)) {
				recs = append(recs, r)
			}
			return nil
		})
	})
	// Sorting pointers, not the 300-byte views, and only what the caller
	// may see (scanRegs skipped the rest), so a record's own AddedAt is the
	// one its view shows.
	slices.SortFunc(recs, func(a, b *regRec) int {
		return cmp.Or(a.AddedAt.Compare(b.AddedAt), cmp.Compare(a.ID, b.ID))
	})
	out := make([]api.Registration, len(recs))
	for i, r := range recs {
		out[i] = s.regView(c, r)
	}
	return out, err
}

// removeRegistration removes one registration the caller may see, or all
// of its expired ones.
func (s *Service) removeRegistration(ctx context.Context, c *call, req api.RemoveRegistrationRequest) (api.RemovedRegistrations, error) {
	if (req.ID == "") == !req.Expired {
		return api.RemovedRegistrations{}, fault.New(fault.Usage, "give a registration id or expired, not both")
	}
	target := req.ID
	if req.Expired {
		target = "expired"
	}
	var out api.RemovedRegistrations
	err := s.mutate(ctx, c, target, func(tx store.Tx, _ *userRec, _ *roleRec) error {
		keys, ids, err := s.removable(tx, c, req)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Delete(store.Registrations, k); err != nil {
				return err
			}
		}
		out = api.RemovedRegistrations{Removed: ids}
		return nil
	})
	return out, err
}

func (s *Service) removable(tx store.Tx, c *call, req api.RemoveRegistrationRequest) (keys, ids []string, err error) {
	if !req.Expired {
		r, err := loadReg(tx, c.acct.ID, req.ID)
		if err != nil || r == nil || !s.mayChange(c, r) {
			return nil, nil, cmp.Or(err, fault.New(fault.Invalid, "no registration %q", truncate(req.ID, 40)))
		}
		return []string{regKey(c.acct.ID, r.ID)}, []string{r.ID}, nil
	}
	ids = []string{}
	now := s.now()
	err = s.scanRegs(tx, c, func(key string, r *regRec) error {
		if r.expired(now) {
			keys, ids = append(keys, key), append(ids, r.ID)
		}
		return nil
	})
	return keys, ids, err
}

// registered decides whether a build counts as registered for the account:
// an unexpired registration of its measurement, or else an auto-register
// certificate covering it. why says which, for logs and explanations. The
// token service calls it; m must be validated (validMeasurement).
//
// It does the same work whatever it finds: the registration lookup and the
// whole certificate scan run for every build, registered or not, so the
// time an attestation takes does not tell a failing app that its build is
// unknown (docs/token-service.md, "Timing").
func (s *Service) registered(tx store.Tx, account string, m api.Measurement) (why string, ok bool, err error) {
	r, err := loadReg(tx, account, measurementID(m))
	if err != nil {
		return "", false, err
	}
	certWhy, covered, err := s.certCovering(tx, account, m)
	switch {
	case err != nil:
		return "", false, err
	case r != nil && !r.expired(s.now()):
		return fmt.Sprintf("registration %s", r.ID), true, nil
	}
	return certWhy, covered, nil
}
