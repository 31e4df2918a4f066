package service

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/store"
)

// domainStateRec is a domain's monitoring state: its last result, the
// notifications already sent for it, and the lease of the instance
// checking it now (monitoring_loop.go).
type domainStateRec struct {
	State        string        `json:"state"`
	Since        time.Time     `json:"since,omitzero"`
	LastCheck    time.Time     `json:"last_check,omitzero"`
	NextCheck    time.Time     `json:"next_check,omitzero"`
	Latency      time.Duration `json:"latency,omitempty"`
	Error        string        `json:"error,omitempty"`
	Warnings     []string      `json:"warnings,omitempty"`
	Matched      []string      `json:"matched,omitempty"`
	CertSubject  string        `json:"cert_subject,omitempty"`
	CertExpiry   time.Time     `json:"cert_expiry,omitzero"`
	PinSetExpiry time.Time     `json:"pin_set_expiry,omitzero"`
	// ExpiryAt is the expiry the notified window belongs to, Window the
	// smallest window (days) notified for it: a renewal starts afresh.
	ExpiryAt time.Time `json:"expiry_at,omitzero"`
	Window   int       `json:"window,omitempty"`
	// Noticed is when the failure was last notified (start or reminder).
	Noticed    time.Time `json:"noticed,omitzero"`
	LeaseOwner string    `json:"lease_owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
}

// checkRec is one check in the history, keyed by domain and time.
type checkRec struct {
	Time    time.Time     `json:"time"`
	State   string        `json:"state"`
	Latency time.Duration `json:"latency"`
	Error   string        `json:"error,omitempty"`
}

func (h checkRec) wire(domain string) api.MonitoringCheck {
	return api.MonitoringCheck{Time: h.Time, Domain: domain, State: h.State, Latency: h.Latency, Error: h.Error}
}

// deliveryRec is one notification as stored (kept HistoryRetention).
type deliveryRec struct {
	Time     time.Time    `json:"time"`
	Kind     string       `json:"kind"`
	Target   string       `json:"target"`
	Event    string       `json:"event"`
	OK       bool         `json:"ok"`
	Error    string       `json:"error,omitempty"`
	Attempts []attemptRec `json:"attempts,omitempty"`
}

// attemptRec is one try of a delivery.
type attemptRec struct {
	Time    time.Time     `json:"time"`
	Status  int           `json:"status,omitempty"`
	Error   string        `json:"error,omitempty"`
	Latency time.Duration `json:"latency"`
}

func (d deliveryRec) wire() api.Delivery {
	out := api.Delivery{Time: d.Time, Kind: d.Kind, Target: d.Target, Event: d.Event, OK: d.OK, Error: d.Error}
	for _, a := range d.Attempts {
		out.Attempts = append(out.Attempts, api.DeliveryAttempt{Time: a.Time, Status: a.Status, Error: a.Error, Latency: a.Latency})
	}
	return out
}

func loadDomainState(tx store.Tx, account, domain string) (*domainStateRec, error) {
	st := domainStateRec{State: api.MonitorUnknown}
	_, err := getJSON(tx, store.Monitoring, domainStateKey(account, domain), &st)
	return &st, err
}

func (st *domainStateRec) wire(d pins.Domain) api.MonitoredDomain {
	out := api.MonitoredDomain{Domain: d.Name, State: st.State, Since: st.Since, LastCheck: st.LastCheck, NextCheck: st.NextCheck,
		Latency: st.Latency, Error: st.Error, Warnings: st.Warnings, Pins: []string{}, Matched: append([]string{}, st.Matched...),
		CertSubject: st.CertSubject, CertExpiry: st.CertExpiry, PinSetExpiry: st.PinSetExpiry}
	for _, p := range d.Pins {
		out.Pins = append(out.Pins, p.SHA256.String())
	}
	return out
}

// monitorTargets are the domains monitored: those of the current pin set
// and the API domains without pins (checked for reachability only).
func monitorTargets(tx store.Tx, account string) ([]pins.Domain, error) {
	rec, err := currentRecTx(tx, account)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(rec.Set.Domains)
	for _, name := range slices.Sorted(maps.Keys(rec.APIs)) {
		if rec.APIs[name].NoPins {
			out = append(out, pins.Domain{Name: name})
		}
	}
	slices.SortFunc(out, func(a, b pins.Domain) int { return compareStrings(a.Name, b.Name) })
	return out, nil
}

func currentRecTx(tx store.Tx, account string) (*pinVersionRec, error) {
	cur, err := currentPinVersion(tx, account)
	if err != nil {
		return nil, err
	}
	return loadPinVersion(tx, account, cur)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scanHistory calls fn on the domain's checks from since on, oldest
// first, while fn returns true.
func scanHistory(tx store.Tx, account, domain string, since time.Time, fn func(checkRec) bool) error {
	_, end := store.Prefix(historyPrefix(account, domain))
	return tx.Scan(store.Monitoring, timeKey(historyPrefix(account, domain), since), end, func(_ string, v []byte) error {
		var h checkRec
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		if !fn(h) {
			return store.ErrStop
		}
		return nil
	})
}

// latestDeliveries returns the account's last n deliveries, newest first.
func latestDeliveries(tx store.Tx, account string, n int) ([]api.Delivery, error) {
	var all []api.Delivery
	start, end := store.Prefix(deliveryPrefix(account))
	err := tx.Scan(store.Monitoring, start, end, func(_ string, v []byte) error {
		var d deliveryRec
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		all = append(all, d.wire())
		return nil
	})
	slices.Reverse(all)
	return append([]api.Delivery{}, all[:min(n, len(all))]...), err
}

// pruneBefore deletes the keys of prefix older than cutoff (keys end in
// the time, see timeKey), at most maxSweep at a time.
func pruneBefore(tx store.Tx, prefix string, cutoff time.Time) error {
	var dead []string
	err := tx.Scan(store.Monitoring, prefix, timeKey(prefix, cutoff), func(k string, _ []byte) error {
		dead = append(dead, k)
		if len(dead) >= maxSweep {
			return store.ErrStop
		}
		return nil
	})
	for _, k := range dead {
		if err == nil {
			err = tx.Delete(store.Monitoring, k)
		}
	}
	return err
}
