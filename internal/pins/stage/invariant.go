package stage

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Observation is what a live check saw at one resolved address of a domain:
// every verified chain (usually one), or why there is none.
type Observation struct {
	Address string
	Chains  [][]*x509.Certificate
	Error   string
}

// Live maps a domain to its observations, one per resolved address. A
// domain missing from the map was not probed.
type Live map[string][]Observation

// Observations turns the endpoints of pins.Fetch into observations. An
// endpoint that failed, or was not verified, has no chains.
func Observations(eps []pins.Endpoint) []Observation {
	out := make([]Observation, len(eps))
	for i, ep := range eps {
		out[i] = Observation{Address: ep.Address, Error: ep.Error}
		switch {
		case ep.Err == nil && ep.Verified:
			out[i].Chains = ep.Chains
		case ep.Err == nil:
			out[i].Error = "the chain was not verified"
		}
	}
	return out
}

// Rule names the invariant a violation breaks.
type Rule string

// The invariants of a push (docs/pinset.md, "Push invariants").
const (
	RuleLiveMatch   Rule = "live-match"   // a pin must match the live chain at every address
	RuleUnverified  Rule = "unverified"   // the live chain could not be seen, so the rule above cannot hold
	RuleLastBackup  Rule = "last-backup"  // the last backup pin of a domain must not go
	RuleInvalid     Rule = "invalid"      // no invalid pin or domain
	RuleExpired     Rule = "expired"      // no expired pin set
	RuleViewsDiffer Rule = "views-differ" // the service's live view must confirm the CLI's
)

// Violation is one broken invariant: the domain (empty for the whole set),
// the rule, and why, on one line.
type Violation struct {
	Domain  string `json:"domain,omitempty"`
	Rule    Rule   `json:"rule"`
	Address string `json:"address,omitempty"`
	Pin     string `json:"pin,omitempty"`
	Reason  string `json:"reason"`
}

// String renders the violation on one line, naming the domain first.
func (v Violation) String() string {
	if v.Domain == "" || strings.HasPrefix(v.Reason, "domain "+v.Domain) {
		return v.Reason
	}
	return "domain " + v.Domain + ": " + v.Reason
}

// ViolationError returns nil without violations, else an error of kind
// Invalid (exit 6) naming each domain and why.
func ViolationError(vs []Violation) error {
	if len(vs) == 0 {
		return nil
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return fault.New(fault.Invalid, "the pin set breaks %d rule(s): %s", len(vs), strings.Join(parts, " | "))
}

// NeedsLive lists the domains of next that a push from old adds or changes:
// the ones whose live chains CheckInvariants needs, sorted.
func NeedsLive(old, next *pins.PinSet) []string {
	var out []string
	for _, dd := range Compare(old, next).Domains {
		if dd.Change != Removed {
			out = append(out, dd.Domain)
		}
	}
	return out
}

// CheckInvariants returns every rule that replacing old by next breaks at
// time now, in domain order:
//   - every domain next adds or changes matches its live chain at every
//     address (skipped when live is nil: an offline check; when live is
//     given, a domain of NeedsLive missing from it is a violation);
//   - a domain of both sets that had a backup pin keeps one (see Backups);
//   - no pin or domain of next is invalid or a placeholder, and no pin set
//     of next has expired.
//
// Whether the service's live view confirms the CLI's is a separate check:
// CompareViews, then ViewViolations.
func CheckInvariants(old, next *pins.PinSet, live Live, now time.Time) []Violation {
	var vs []Violation
	prev := byName(old)
	changed := map[string]bool{}
	for _, name := range NeedsLive(old, next) {
		changed[name] = true
	}
	for _, d := range domains(next) {
		if changed[d.Name] && live != nil {
			vs = append(vs, liveViolations(d, live[d.Name], hasKey(live, d.Name))...)
		}
		vs = append(vs, backupViolations(prev[d.Name], d, live)...)
		vs = append(vs, contentViolations(d, now)...)
	}
	return append(vs, setViolations(next)...)
}

func hasKey(live Live, name string) bool { _, ok := live[name]; return ok }

func liveViolations(d pins.Domain, obs []Observation, probed bool) []Violation {
	if !probed || len(obs) == 0 {
		return []Violation{{Domain: d.Name, Rule: RuleUnverified, Reason: "its live chain was not checked"}}
	}
	var vs []Violation
	for _, o := range obs {
		switch {
		case len(o.Chains) == 0:
			vs = append(vs, Violation{Domain: d.Name, Rule: RuleUnverified, Address: o.Address,
				Reason: fmt.Sprintf("%s gave no verified chain: %s", o.Address, orNone(o.Error))})
		case !anyMatches(d.Pins, o):
			vs = append(vs, Violation{Domain: d.Name, Rule: RuleLiveMatch, Address: o.Address,
				Reason: fmt.Sprintf("no pin matches the chain served at %s (leaf pin %s)", o.Address, leafPin(o))})
		}
	}
	return vs
}

func anyMatches(ps []pins.PinEntry, o Observation) bool {
	return slices.ContainsFunc(ps, func(e pins.PinEntry) bool { return served(e.SHA256, o) })
}

// served reports whether p is the key of a certificate of a verified chain.
func served(p pins.Pin, o Observation) bool {
	for _, chain := range o.Chains {
		for _, c := range chain {
			if pins.Compute(c) == p {
				return true
			}
		}
	}
	return false
}

func leafPin(o Observation) string {
	if len(o.Chains) == 0 || len(o.Chains[0]) == 0 {
		return "none"
	}
	return pins.Compute(o.Chains[0][0]).String()
}

// Backups returns a domain's backup pins: the pins labelled backup that the
// live chain does not serve at any address. Without observations (obs nil)
// every pin labelled backup counts. A backup the server does serve has been
// promoted by the rotation, whatever its label says.
func Backups(d pins.Domain, obs []Observation) []pins.Pin {
	var out []pins.Pin
	for _, e := range d.Pins {
		if e.Label == pins.Backup && !slices.ContainsFunc(obs, func(o Observation) bool { return served(e.SHA256, o) }) {
			out = append(out, e.SHA256)
		}
	}
	return out
}

func backupViolations(old *pins.Domain, next pins.Domain, live Live) []Violation {
	if old == nil {
		return nil
	}
	had := Backups(*old, live[next.Name])
	if len(had) == 0 || len(Backups(next, live[next.Name])) > 0 {
		return nil
	}
	names := make([]string, len(had))
	for i, p := range had {
		names[i] = p.String()
	}
	return []Violation{{Domain: next.Name, Rule: RuleLastBackup, Pin: names[0],
		Reason: "the push removes its last backup pin (" + strings.Join(names, ", ") + "): the next key change would break every client; stage a new backup first"}}
}

func contentViolations(d pins.Domain, now time.Time) []Violation {
	var vs []Violation
	if err := validateDomain(d); err != nil {
		vs = append(vs, Violation{Domain: d.Name, Rule: RuleInvalid, Reason: err.Error()})
	}
	for _, e := range d.Pins {
		if pins.IsPlaceholder(e.SHA256) {
			vs = append(vs, Violation{Domain: d.Name, Rule: RuleInvalid, Pin: e.SHA256.String(),
				Reason: "pin " + e.SHA256.String() + " is a placeholder (one repeated byte or character), not the hash of a key"})
		}
	}
	if exp, ok := d.ExpiresTime(); ok && !exp.After(now) {
		vs = append(vs, Violation{Domain: d.Name, Rule: RuleExpired,
			Reason: "its pin set expired on " + d.Expires + ": clients that honour the expiry stop enforcing the pins, silently"})
	}
	return vs
}

// setViolations covers the rules of the whole set: the domain limit and
// names that appear twice.
func setViolations(set *pins.PinSet) []Violation {
	ds := domains(set)
	var vs []Violation
	if len(ds) > pins.MaxDomains {
		vs = append(vs, Violation{Rule: RuleInvalid, Reason: fmt.Sprintf("the pin set has %d domains; at most %d are accepted", len(ds), pins.MaxDomains)})
	}
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.Name] {
			vs = append(vs, Violation{Domain: d.Name, Rule: RuleInvalid, Reason: "it appears twice in the pin set"})
		}
		seen[d.Name] = true
	}
	return vs
}
