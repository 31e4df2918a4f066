package stage

import (
	"cmp"
	"fmt"
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
// and whose verified chains carry different sets of keys. Empty when the
// views agree.
func CompareViews(cli, service Live) []ViewDiff {
	var out []ViewDiff
	for _, name := range sortedKeys(cli) {
		theirs, ok := service[name]
		if !ok {
			continue
		}
		if vd := compareKeys(name, ObservedKeys(cli[name]), ObservedKeys(theirs)); len(vd.OnlyCLI)+len(vd.OnlyService) > 0 {
			out = append(out, vd)
		}
	}
	return out
}

func sortedKeys(l Live) []string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
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
