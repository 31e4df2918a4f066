package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/notify/email"
	"github.com/approov-cli/approov/internal/notify/webhook"
	"github.com/approov-cli/approov/internal/store"
)

// Monitoring bounds and defaults (docs/monitoring.md).
const (
	DefaultMonitorInterval = 15 * time.Minute
	MinMonitorInterval     = time.Minute
	MaxMonitorInterval     = 24 * time.Hour
	// HistoryRetention is how long checks and deliveries are kept. With
	// the interval at least a minute, a domain has at most 10,080 checks.
	HistoryRetention = 7 * 24 * time.Hour
	// ReminderEvery is how often a failure lasting is notified again.
	ReminderEvery = 24 * time.Hour
	maxEmails     = 10
	minHookSecret = 16
	maxHookSecret = 256
	maxHistory    = 10_000
	maxDeliveries = 20 // in monitoring.status
)

// monitorOps are the operations of continuous API monitoring.
var monitorOps = []endpoint{
	serve(api.OpMonitoringStatus, (*Service).monitoringStatus),
	serve(api.OpMonitoringHistory, (*Service).monitoringHistory),
	serve(api.OpMonitoringSet, (*Service).monitoringSet),
	serve(api.OpMonitoringTest, (*Service).monitoringTest),
	serve(api.OpMonitoringRun, (*Service).monitoringRun),
	serve(api.OpMonitoringPageEnable, (*Service).pageEnable),
	serve(api.OpMonitoringPageDisable, (*Service).pageDisable),
}

// monitorRec is an account's monitoring settings. The webhook secret
// leaves the service only in the signature of its deliveries; the page
// token is kept as its SHA-256 only.
type monitorRec struct {
	Interval      time.Duration `json:"interval,omitempty"`
	Emails        []string      `json:"emails,omitempty"`
	Webhook       string        `json:"webhook,omitempty"`
	WebhookSecret []byte        `json:"webhook_secret,omitempty"`
	PageHash      string        `json:"page_hash,omitempty"`
}

// Monitoring keys, all in store.Monitoring: account first, so one
// account's records are a range and no record is shared by accounts (but
// the page index, written by page enable and disable only).
func monitorKey(account string) string          { return "s\x00" + account }
func domainStatePrefix(account string) string   { return "d\x00" + account + "\x00" }
func domainStateKey(account, d string) string   { return domainStatePrefix(account) + d }
func historyPrefix(account, d string) string    { return "h\x00" + account + "\x00" + d + "\x00" }
func deliveryPrefix(account string) string      { return "n\x00" + account + "\x00" }
func pageIndexKey(hash string) string           { return "p\x00" + hash }
func timeKey(prefix string, t time.Time) string { return fmt.Sprintf("%s%020d", prefix, auditNanos(t)) }

func loadMonitor(tx store.Tx, account string) (*monitorRec, error) {
	var m monitorRec
	_, err := getJSON(tx, store.Monitoring, monitorKey(account), &m)
	if m.Interval == 0 {
		m.Interval = DefaultMonitorInterval
	}
	return &m, err
}

func (m *monitorRec) wire() api.MonitoringSettings {
	return api.MonitoringSettings{Interval: m.Interval, Emails: append([]string{}, m.Emails...), Webhook: m.Webhook,
		WebhookSecretSet: len(m.WebhookSecret) > 0, Page: m.PageHash != ""}
}

func (s *Service) monitoringStatus(ctx context.Context, c *call, _ api.Empty) (api.MonitoringStatus, error) {
	var out api.MonitoringStatus
	err := s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		m, err := loadMonitor(tx, c.acct.ID)
		if err != nil {
			return err
		}
		out.Settings = m.wire()
		if out.Domains, err = monitoredDomains(tx, c.acct.ID); err != nil {
			return err
		}
		out.Deliveries, err = latestDeliveries(tx, c.acct.ID, maxDeliveries)
		return err
	})
	return out, err
}

// monitoredDomains is each domain of the current pin configuration with
// its monitoring state ("unknown" before its first check).
func monitoredDomains(tx store.Tx, account string) ([]api.MonitoredDomain, error) {
	targets, err := monitorTargets(tx, account)
	if err != nil {
		return nil, err
	}
	out := []api.MonitoredDomain{}
	for _, t := range targets {
		st, err := loadDomainState(tx, account, t.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, st.wire(t))
	}
	return out, nil
}

func (s *Service) monitoringHistory(ctx context.Context, c *call, req api.MonitoringHistoryRequest) ([]api.MonitoringCheck, error) {
	if len(req.Domain) > 253 {
		return nil, fault.New(fault.Usage, "a domain has at most 253 characters")
	}
	limit := req.Limit
	if limit <= 0 || limit > maxHistory {
		limit = maxHistory
	}
	out := []api.MonitoringCheck{}
	err := s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		targets, err := monitorTargets(tx, c.acct.ID)
		for _, t := range targets {
			if err == nil && (req.Domain == "" || strings.EqualFold(req.Domain, t.Name)) {
				err = scanHistory(tx, c.acct.ID, t.Name, req.Since, func(h checkRec) bool {
					out = append(out, h.wire(t.Name))
					return len(out) < limit
				})
			}
		}
		return err
	})
	slices.SortStableFunc(out, func(a, b api.MonitoringCheck) int { return a.Time.Compare(b.Time) })
	return out, err
}

func (s *Service) monitoringSet(ctx context.Context, c *call, req api.MonitoringSetRequest) (api.MonitoringSettings, error) {
	if err := validMonitorSet(&req); err != nil {
		s.recordAlone(ctx, c.acct.ID, c.event("failed: "+fault.KindOf(err).String()))
		return api.MonitoringSettings{}, err
	}
	var out api.MonitoringSettings
	err := s.mutateEvent(ctx, c, "monitoring", func(tx store.Tx, e *event) error {
		m, err := loadMonitor(tx, c.acct.ID)
		if err != nil {
			return err
		}
		e.detail, err = applyMonitorSet(m, req)
		if err != nil {
			return err
		}
		out = m.wire()
		return putJSON(tx, store.Monitoring, monitorKey(c.acct.ID), m)
	})
	return out, err
}

// applyMonitorSet changes m as req asks and says what changed, never
// with the secret.
func applyMonitorSet(m *monitorRec, req api.MonitoringSetRequest) (string, error) {
	var changes []string
	if req.Interval != 0 {
		m.Interval = req.Interval
		changes = append(changes, "interval "+req.Interval.String())
	}
	if req.Emails != nil {
		m.Emails = *req.Emails
		changes = append(changes, fmt.Sprintf("%d email recipients", len(m.Emails)))
	}
	hook, err := applyWebhook(m, req)
	if err != nil {
		return "", err
	}
	changes = append(changes, hook...)
	if len(changes) == 0 {
		return "", fault.New(fault.Usage, "nothing to change: give an interval, emails, a webhook or its secret")
	}
	return strings.Join(changes, ", "), nil
}

// applyWebhook changes the webhook and its secret as req asks.
func applyWebhook(m *monitorRec, req api.MonitoringSetRequest) ([]string, error) {
	var changes []string
	if req.Webhook != nil {
		if *req.Webhook != m.Webhook && len(req.WebhookSecret) == 0 && *req.Webhook != "" {
			return nil, fault.New(fault.Usage, "a new webhook needs its secret (--webhook-secret-stdin)")
		}
		m.Webhook = *req.Webhook
		if m.Webhook == "" {
			m.WebhookSecret = nil
		}
		changes = append(changes, "webhook "+orNoneWord(m.Webhook))
	}
	if len(req.WebhookSecret) > 0 {
		if m.Webhook == "" {
			return nil, fault.New(fault.Usage, "a webhook secret needs a webhook URL")
		}
		m.WebhookSecret = req.WebhookSecret
		changes = append(changes, "webhook secret set (value not recorded)")
	}
	return changes, nil
}

func orNoneWord(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func validMonitorSet(req *api.MonitoringSetRequest) error {
	if req.Interval != 0 && (req.Interval < MinMonitorInterval || req.Interval > MaxMonitorInterval) {
		return fault.New(fault.Usage, "the interval must be between %s and %s", MinMonitorInterval, MaxMonitorInterval)
	}
	if n := len(req.WebhookSecret); n > 0 && (n < minHookSecret || n > maxHookSecret) {
		return fault.New(fault.Usage, "the webhook secret must be %d to %d bytes", minHookSecret, maxHookSecret)
	}
	if req.Webhook != nil && *req.Webhook != "" {
		if err := CheckWebhookURL(*req.Webhook); err != nil {
			return err
		}
	}
	if req.Emails == nil {
		return nil
	}
	return validEmails(*req.Emails)
}

func validEmails(es []string) error {
	if len(es) > maxEmails {
		return fault.New(fault.Usage, "at most %d email recipients", maxEmails)
	}
	for _, e := range es {
		if err := CheckEmail(e); err != nil {
			return err
		}
	}
	return nil
}

// CheckEmail accepts one bare mailbox (email.CheckAddress), as a usage error.
func CheckEmail(e string) error {
	if err := email.CheckAddress(e); err != nil {
		return fault.New(fault.Usage, "invalid email address %q: want one bare address (user@example.com)", truncate(e, 60))
	}
	return nil
}

// CheckWebhookURL accepts an https URL without credentials (http only to
// a loopback address, for tests): webhook.CheckURL, as a usage error.
func CheckWebhookURL(raw string) error {
	if strings.ContainsFunc(raw, isControl) {
		return fault.New(fault.Usage, "invalid webhook URL: it holds control characters")
	}
	if err := webhook.CheckURL(raw); err != nil {
		return fault.New(fault.Usage, "invalid webhook URL: %v", err)
	}
	return nil
}
