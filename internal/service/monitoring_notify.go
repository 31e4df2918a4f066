package service

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/notify/webhook"
	"github.com/approov-cli/approov/internal/store"
)

// Mailer sends one plain-text message (internal/notify/email's Relay).
type Mailer interface {
	Send(ctx context.Context, to []string, subject, body string) error
}

// webhookPayload is the JSON body of a notification (docs/notifications.md).
type webhookPayload struct {
	Type    string    `json:"type"` // "approov.monitoring"
	Account string    `json:"account"`
	Time    time.Time `json:"time"`
	Events  []notice  `json:"events"`
	Failing []string  `json:"failing"` // every domain failing now
}

// notify sends the account's notices to its webhook and, in one message
// listing every failing domain, to its email recipients, and records the
// deliveries. A failed delivery is recorded, not returned: the check
// results are already stored.
func (s *Service) notify(ctx context.Context, account string, notices []notice, failing []string) error {
	var m *monitorRec
	err := s.view(ctx, func(tx store.Tx) (err error) {
		m, err = loadMonitor(tx, account)
		return err
	})
	if err != nil {
		return err
	}
	return s.recordDeliveries(ctx, account, s.deliver(ctx, account, m, notices, failing))
}

// deliver sends the notices to every target of m.
func (s *Service) deliver(ctx context.Context, account string, m *monitorRec, notices []notice, failing []string) []deliveryRec {
	var ds []deliveryRec
	if m.Webhook != "" {
		ds = append(ds, s.sendWebhook(ctx, account, m, notices, failing))
	}
	if len(m.Emails) > 0 {
		ds = append(ds, s.sendEmail(ctx, account, m, notices, failing))
	}
	return ds
}

func eventOf(notices []notice) string {
	if len(notices) == 1 {
		return notices[0].Event
	}
	return fmt.Sprintf("%d events", len(notices))
}

func (s *Service) sendWebhook(ctx context.Context, account string, m *monitorRec, notices []notice, failing []string) deliveryRec {
	body, _ := json.Marshal(webhookPayload{Type: "approov.monitoring", Account: account, Time: s.now(), Events: notices, Failing: orEmpty(failing)})
	sender := s.opt.Webhook
	if sender == nil {
		sender = &webhook.Sender{}
	}
	d := sender.Send(ctx, m.Webhook, m.WebhookSecret, body)
	rec := deliveryRec{Time: s.now(), Kind: "webhook", Target: m.Webhook, Event: eventOf(notices), OK: d.OK}
	for _, a := range d.Attempts {
		rec.Attempts = append(rec.Attempts, attemptRec{Time: a.At, Status: a.Status, Error: a.Error, Latency: a.Latency})
	}
	if !d.OK && len(d.Attempts) > 0 {
		rec.Error = d.Attempts[len(d.Attempts)-1].Error
		if rec.Error == "" {
			rec.Error = fmt.Sprintf("HTTP status %d", d.Attempts[len(d.Attempts)-1].Status)
		}
	}
	return rec
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Service) sendEmail(ctx context.Context, account string, m *monitorRec, notices []notice, failing []string) deliveryRec {
	rec := deliveryRec{Time: s.now(), Kind: "email", Target: strings.Join(m.Emails, ", "), Event: eventOf(notices)}
	if s.opt.Mailer == nil {
		rec.Error = "no SMTP relay is configured on this service (approovd --smtp-addr)"
		return rec
	}
	start := time.Now()
	err := s.opt.Mailer.Send(ctx, m.Emails, mailSubject(account, notices, failing), mailBody(account, notices, failing))
	rec.OK = err == nil
	at := attemptRec{Time: rec.Time, Latency: time.Since(start)}
	if err != nil {
		rec.Error, at.Error = err.Error(), err.Error()
	}
	rec.Attempts = []attemptRec{at}
	return rec
}

func mailSubject(account string, notices []notice, failing []string) string {
	switch {
	case len(notices) == 1 && notices[0].Event == eventTest:
		return "approov monitoring: test notification for " + account
	case len(failing) > 0:
		return fmt.Sprintf("approov monitoring: %d failing API domain(s) on %s", len(failing), account)
	}
	return "approov monitoring: " + eventOf(notices) + " on " + account
}

// mailBody is the plain-text message: what changed, then every domain
// failing now. Domain names and errors are printable text by then
// (pins.NormalizeHostname, the checks' own messages), escaped again for
// control characters.
func mailBody(account string, notices []notice, failing []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Account %s\n\nWhat changed:\n", account)
	for _, n := range notices {
		fmt.Fprintf(&b, "- %s\n", describeNotice(n))
	}
	fmt.Fprintf(&b, "\nFailing now: %d\n", len(failing))
	for _, d := range failing {
		fmt.Fprintf(&b, "- %s\n", d)
	}
	b.WriteString("\nSee `approov monitoring status` for details.\n")
	return strings.Map(func(r rune) rune {
		if isControl(r) && r != '\n' {
			return '?'
		}
		return r
	}, b.String())
}

func describeNotice(n notice) string {
	switch n.Event {
	case eventFailing:
		return n.Domain + " started failing: " + n.Error
	case eventReminder:
		return n.Domain + " is still failing: " + n.Error
	case eventRecovered:
		return n.Domain + " recovered"
	case eventExpiry:
		return fmt.Sprintf("%s: a certificate or the pin set expires on %s (%d days left)", n.Domain, n.Expires.Format(time.DateOnly), n.DaysLeft)
	case eventTest:
		return "a test notification (approov monitoring test)"
	}
	return n.Domain + ": " + n.Event
}

// recordDeliveries stores ds and drops deliveries past the retention.
func (s *Service) recordDeliveries(ctx context.Context, account string, ds []deliveryRec) error {
	if len(ds) == 0 {
		return nil
	}
	suffix := hex.EncodeToString(randBytes(4)) // two deliveries in one nanosecond
	return s.update(ctx, func(tx store.Tx) error {
		for i, d := range ds {
			key := fmt.Sprintf("%s\x00%s%d", timeKey(deliveryPrefix(account), d.Time), suffix, i)
			if err := putJSON(tx, store.Monitoring, key, d); err != nil {
				return err
			}
		}
		return pruneBefore(tx, deliveryPrefix(account), s.now().Add(-HistoryRetention))
	})
}
