package service

import (
	"context"
	"slices"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/pins"
)

// expiryWindows are the days before a certificate's or pin set's expiry
// at which a notification goes out, once each.
var expiryWindows = []int{30, 14, 7, 1}

// Notification events.
const (
	eventFailing   = "failing"
	eventRecovered = "recovered"
	eventReminder  = "reminder"
	eventExpiry    = "expiry"
	eventTest      = "test"
)

// outcome is what one check saw.
type outcome struct {
	At           time.Time
	OK           bool
	Latency      time.Duration
	Error        string
	Warnings     []string
	Matched      []string
	CertSubject  string
	CertExpiry   time.Time
	PinSetExpiry time.Time
}

// notice is one event to notify about a domain.
type notice struct {
	Event    string    `json:"event"`
	Domain   string    `json:"domain"`
	State    string    `json:"state"`
	Error    string    `json:"error,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
	DaysLeft int       `json:"days_left,omitempty"`
}

// checkDomain checks d live from where the service runs: every address
// its name resolves to, against its pins (reachability only without pins).
func (s *Service) checkDomain(ctx context.Context, d pins.Domain) outcome {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeoutOr(s.opt.Live.Timeout, pins.DefaultTimeout))
	defer cancel()
	res := pins.CheckDomain(ctx, d, s.opt.Live)
	o := outcome{At: s.now(), OK: res.OK, Latency: time.Since(start), Error: res.Error, Warnings: res.Warnings}
	if len(d.Pins) == 0 {
		o.OK, o.Error = reachable(res)
	}
	for _, ac := range res.Addresses {
		o.noteAddress(ac)
	}
	if exp, ok := d.ExpiresTime(); ok {
		o.PinSetExpiry = exp
	}
	return o
}

func timeoutOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// reachable is the verdict on a domain without pins: every address
// answered with a verified chain.
func reachable(res pins.DomainResult) (bool, string) {
	if len(res.Addresses) == 0 {
		return false, res.Error
	}
	for _, ac := range res.Addresses {
		if ac.LeafPin == "" {
			return false, ac.Error
		}
	}
	return true, ""
}

func (o *outcome) noteAddress(ac pins.AddressCheck) {
	if !ac.LeafExpires.IsZero() && (o.CertExpiry.IsZero() || ac.LeafExpires.Before(o.CertExpiry)) {
		o.CertExpiry = ac.LeafExpires
	}
	if ac.Matched == nil {
		return
	}
	if p := ac.Matched.Pin.String(); !slices.Contains(o.Matched, p) {
		o.Matched = append(o.Matched, p)
	}
	if o.CertSubject == "" {
		o.CertSubject = ac.Matched.Subject
	}
}

// stateOf is the state an outcome puts a domain in.
func stateOf(o outcome) string {
	switch {
	case !o.OK:
		return api.MonitorFailing
	case expiryWindow(nearestExpiry(o), o.At) != 0:
		return api.MonitorWarning
	}
	return api.MonitorOK
}

func nearestExpiry(o outcome) time.Time {
	switch {
	case o.PinSetExpiry.IsZero():
		return o.CertExpiry
	case o.CertExpiry.IsZero() || o.PinSetExpiry.Before(o.CertExpiry):
		return o.PinSetExpiry
	}
	return o.CertExpiry
}

// expiryWindow is the smallest window exp is in at now (0: none).
func expiryWindow(exp, now time.Time) int {
	if exp.IsZero() {
		return 0
	}
	w := 0
	for _, days := range expiryWindows {
		if exp.Sub(now) <= time.Duration(days)*24*time.Hour {
			w = days
		}
	}
	return w
}

// advance applies o to st and returns the events to notify: a change of
// state to or from failing, a reminder while a failure lasts, an expiry
// entering a smaller window. Nothing else is notified.
func advance(st *domainStateRec, domain string, o outcome) []notice {
	state := stateOf(o)
	n := notice{Domain: domain, State: state, Error: o.Error}
	var out []notice
	switch {
	case state == api.MonitorFailing && st.State != api.MonitorFailing:
		n.Event, st.Noticed = eventFailing, o.At
		out = append(out, n)
	case state == api.MonitorFailing && o.At.Sub(st.Noticed) >= ReminderEvery:
		n.Event, st.Noticed = eventReminder, o.At
		out = append(out, n)
	case state != api.MonitorFailing && st.State == api.MonitorFailing:
		n.Event = eventRecovered
		out = append(out, n)
	}
	out = append(out, st.expiryNotice(n, o)...)
	if state != st.State {
		st.Since = o.At
	}
	st.State, st.LastCheck, st.Latency, st.Error, st.Warnings = state, o.At, o.Latency, o.Error, o.Warnings
	if o.OK || len(o.Matched) > 0 {
		st.Matched, st.CertSubject = o.Matched, o.CertSubject
	}
	st.CertExpiry, st.PinSetExpiry = o.CertExpiry, o.PinSetExpiry
	return out
}

// expiryNotice is the notice of the nearest expiry entering a window
// smaller than any notified for it.
func (st *domainStateRec) expiryNotice(n notice, o outcome) []notice {
	exp := nearestExpiry(o)
	if exp.IsZero() {
		return nil
	}
	if !exp.Equal(st.ExpiryAt) {
		st.ExpiryAt, st.Window = exp, 0 // renewed (or first seen): start afresh
	}
	w := expiryWindow(exp, o.At)
	if w == 0 || (st.Window != 0 && w >= st.Window) {
		return nil
	}
	st.Window = w
	n.Event, n.Expires, n.DaysLeft = eventExpiry, exp, int(exp.Sub(o.At).Hours()/24)
	return []notice{n}
}
