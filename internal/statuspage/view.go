package statuspage

import (
	"cmp"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/safetext"
)

// Bounds on attacker-controlled text, in runes, before it is escaped.
const (
	maxName  = 260
	maxError = 600
	maxPin   = 120
	maxPins  = 50
)

// states maps the accepted state names to their label and sort order.
var states = map[string]struct {
	label string
	rank  int
}{
	"failing": {"Failing", 0}, "warning": {"Warning", 1}, "unknown": {"Unknown", 2}, "ok": {"OK", 3},
}

// view is what the template shows: every text already escaped for
// control characters and bounded, every time already phrased.
type view struct {
	CSP       string
	Account   string
	Generated string
	Overall   string
	State     string
	Counts    []count
	Domains   []domainView
}

type count struct {
	State, Label string
	N            int
}

type domainView struct {
	Name, State, Label     string
	Since, Last, Next      string
	Latency, Error         string
	Pins                   []pinView
	Subject                string
	CertExpiry, PinsExpiry countdown
	Chart                  chart
}

type pinView struct {
	Value   string
	Matched bool
}

// countdown is an expiry phrased relative to now, with a severity class.
type countdown struct {
	Text, Date, Class string
}

func newView(p Page) view {
	v := view{CSP: ContentSecurityPolicy, Account: clean(p.Account, maxName), Generated: stamp(p.Generated)}
	n := map[string]int{}
	for _, d := range p.Domains {
		dv := newDomainView(d, p.Generated)
		n[dv.State]++
		v.Domains = append(v.Domains, dv)
	}
	slices.SortStableFunc(v.Domains, func(a, b domainView) int {
		return cmp.Or(cmp.Compare(states[a.State].rank, states[b.State].rank), cmp.Compare(a.Name, b.Name))
	})
	for _, s := range []string{"failing", "warning", "unknown", "ok"} {
		v.Counts = append(v.Counts, count{s, states[s].label, n[s]})
	}
	v.State, v.Overall = overall(n, len(p.Domains))
	return v
}

// overall is the banner: the worst state present and a sentence.
func overall(n map[string]int, total int) (state, text string) {
	switch {
	case total == 0:
		return "unknown", "No API domains are monitored yet"
	case n["failing"] > 0:
		return "failing", plural(n["failing"], "domain is", "domains are") + " failing"
	case n["warning"] > 0:
		return "warning", plural(n["warning"], "domain needs", "domains need") + " attention"
	case n["unknown"] > 0:
		return "unknown", plural(n["unknown"], "domain has", "domains have") + " not been checked yet"
	}
	return "ok", "All domains are OK"
}

func newDomainView(d Domain, now time.Time) domainView {
	state := d.State
	if _, ok := states[state]; !ok {
		state = "unknown"
	}
	dv := domainView{
		Name: clean(d.Name, maxName), State: state, Label: states[state].label,
		Since: ago(d.Since, now), Last: ago(d.LastCheck, now), Next: until(d.NextCheck, now),
		Error: clean(d.Error, maxError), Subject: clean(d.CertSubject, maxName),
		CertExpiry: expiry(d.CertExpiry, now), PinsExpiry: expiry(d.PinSetExpiry, now),
		Chart: newChart(d.History, now),
	}
	if d.Latency > 0 {
		dv.Latency = ms(d.Latency)
	}
	for _, p := range d.Pins[:min(len(d.Pins), maxPins)] {
		dv.Pins = append(dv.Pins, pinView{clean(p.Value, maxPin), p.Matched})
	}
	return dv
}

// clean bounds s and makes its control and invisible characters visible;
// html/template then escapes the markup.
func clean(s string, max int) string {
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return safetext.Escape(s)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// expiry phrases how long until t: red inside 7 days or past, amber
// inside 30.
func expiry(t, now time.Time) countdown {
	if t.IsZero() {
		return countdown{Text: "—", Class: "none"}
	}
	left := t.Sub(now)
	c := countdown{Date: t.UTC().Format("2006-01-02"), Class: "ok"}
	switch {
	case left <= 0:
		c.Text, c.Class = "expired "+span(-left)+" ago", "bad"
	case left < 7*24*time.Hour:
		c.Text, c.Class = "in "+span(left), "bad"
	case left < 30*24*time.Hour:
		c.Text, c.Class = "in "+span(left), "warn"
	default:
		c.Text = "in " + span(left)
	}
	return c
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if d := now.Sub(t); d >= 0 {
		return span(d) + " ago"
	}
	return "in " + span(t.Sub(now))
}

func until(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if d := t.Sub(now); d > 0 {
		return "in " + span(d)
	}
	return "due now"
}

// span is a duration as people say it: "40 s", "12 min", "5 h 3 min", "13 days".
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return plural(int(d.Hours()/24), "day", "days")
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
