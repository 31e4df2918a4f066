package stage

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/approov-cli/approov/internal/pins"
)

// ObservedKey is one public key a live view saw for a domain, with the
// certificate that carried it.
type ObservedKey struct {
	Pin      pins.Pin      `json:"pin"`
	Position pins.Position `json:"position"`
	Name     string        `json:"name"`
}

// View is what one vantage point saw live: per domain, the distinct keys of
// its verified chains (ObservedKeys). It travels as JSON, so that the CLI
// can send its view with a push and the service compare it with its own.
type View map[string][]ObservedKey

// ViewOf reduces live observations to a view.
func ViewOf(live Live) View {
	v := make(View, len(live))
	for name, obs := range live {
		v[name] = ObservedKeys(obs)
	}
	return v
}

// ViewDiff shows, for one domain both views probed, the keys that only the
// CLI saw, only the service saw, and both saw: the evidence of a split DNS,
// another CDN edge or an intercepting proxy.
type ViewDiff struct {
	Domain      string        `json:"domain"`
	OnlyCLI     []ObservedKey `json:"only_cli"`
	OnlyService []ObservedKey `json:"only_service"`
	Both        []ObservedKey `json:"both"`
}

// CompareViews returns, sorted by domain, the domains that both views probed
// and whose keys differ. Empty when the views agree.
func CompareViews(cli, service View) []ViewDiff {
	var out []ViewDiff
	for _, name := range slices.Sorted(maps.Keys(cli)) {
		theirs, ok := service[name]
		if !ok {
			continue
		}
		if vd := compareKeys(name, cli[name], theirs); len(vd.OnlyCLI)+len(vd.OnlyService) > 0 {
			out = append(out, vd)
		}
	}
	return out
}

// ViewViolations turns differing views into violations of RuleViewsDiffer:
// the service refuses a push whose live check it cannot confirm.
func ViewViolations(vds []ViewDiff) []Violation {
	vs := make([]Violation, len(vds))
	for i, vd := range vds {
		vs[i] = Violation{Domain: vd.Domain, Rule: RuleViewsDiffer, Reason: fmt.Sprintf(
			"the CLI and the service see different certificates (only the CLI: %s; only the service: %s)",
			keyList(vd.OnlyCLI), keyList(vd.OnlyService))}
	}
	return vs
}

func keyList(ks []ObservedKey) string {
	if len(ks) == 0 {
		return "none"
	}
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k.Position) + " " + k.Pin.String()
	}
	return strings.Join(s, ", ")
}

// ObservedKeys lists the distinct keys of every verified chain of obs,
// leaf keys first, then intermediates, then roots, each by pin.
func ObservedKeys(obs []Observation) []ObservedKey {
	seen := map[pins.Pin]bool{}
	out := []ObservedKey{}
	for _, o := range obs {
		for _, chain := range o.Chains {
			for _, info := range pins.ChainInfo(chain) {
				if !seen[info.Pin] {
					seen[info.Pin] = true
					out = append(out, ObservedKey{Pin: info.Pin, Position: info.Position, Name: info.Name})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b ObservedKey) int {
		return cmp.Or(cmp.Compare(rank(a.Position), rank(b.Position)), strings.Compare(a.Pin.String(), b.Pin.String()))
	})
	return out
}

func rank(p pins.Position) int {
	return slices.Index([]pins.Position{pins.Leaf, pins.Intermediate, pins.Root}, p)
}

func compareKeys(name string, cli, service []ObservedKey) ViewDiff {
	vd := ViewDiff{Domain: name, OnlyCLI: []ObservedKey{}, OnlyService: []ObservedKey{}, Both: []ObservedKey{}}
	has := func(ks []ObservedKey, p pins.Pin) bool {
		return slices.ContainsFunc(ks, func(k ObservedKey) bool { return k.Pin == p })
	}
	for _, k := range cli {
		if has(service, k.Pin) {
			vd.Both = append(vd.Both, k)
		} else {
			vd.OnlyCLI = append(vd.OnlyCLI, k)
		}
	}
	for _, k := range service {
		if !has(cli, k.Pin) {
			vd.OnlyService = append(vd.OnlyService, k)
		}
	}
	return vd
}

// Lines renders the comparison for people.
func (vd ViewDiff) Lines() []string {
	out := []string{fmt.Sprintf("domain %s: the CLI and the service see different certificates", vd.Domain)}
	out = append(out, keyLines("only the CLI sees:    ", vd.OnlyCLI)...)
	out = append(out, keyLines("only the service sees:", vd.OnlyService)...)
	return append(out, keyLines("both see:             ", vd.Both)...)
}

func keyLines(title string, ks []ObservedKey) []string {
	var out []string
	for _, k := range ks {
		out = append(out, fmt.Sprintf("  %s %s %s (%s)", title, k.Position, k.Pin, k.Name))
	}
	return out
}
