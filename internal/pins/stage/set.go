// Package stage is the library logic of the staged pin workflow (pin pull,
// status, add, remove, diff, push, rebase, rotate, retire, revert): two-way
// diffs between pin sets, the three-way merge of a rebase, the push
// invariants, and the edits of a working copy. It is pure: no storage, no
// terminal, no backend; live chains come in as values. docs/pinset.md
// ("Staged changes") states the rules.
//
// A pin set's content is its domains, each with its options and its pins.
// Domain order and pin order carry no meaning (a connection is accepted when
// any pin matches), so diffs and merges treat both as sets, keyed by domain
// name and by pin; BaseVersion is not content.
package stage

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Equal reports whether a and b have the same content: the same domains with
// the same options and the same pins (order and BaseVersion aside). A nil set
// is empty.
func Equal(a, b *pins.PinSet) bool {
	da, db := domains(a), domains(b)
	if len(da) != len(db) {
		return false
	}
	idx := byName(b)
	for i := range da {
		if !sameDomain(&da[i], idx[da[i].Name]) {
			return false
		}
	}
	return true
}

// sameDomain compares two domains as content; nil means absent.
func sameDomain(a, b *pins.Domain) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Name != b.Name || a.IncludeSubdomains != b.IncludeSubdomains || a.Expires != b.Expires || len(a.Pins) != len(b.Pins) {
		return false
	}
	eb := entries(b.Pins)
	for _, e := range a.Pins {
		if got, ok := eb[e.SHA256]; !ok || got != e {
			return false
		}
	}
	return true
}

// Validate reports the first reason why set is not a pin set that LoadPinSet
// would read back unchanged (names, pins, labels, types, comments, limits).
// Errors are of kind Invalid and name the domain.
func Validate(set *pins.PinSet) error {
	ds := domains(set)
	if len(ds) > pins.MaxDomains {
		return fault.New(fault.Invalid, "pin set has %d domains; at most %d are accepted", len(ds), pins.MaxDomains)
	}
	seen := make(map[string]bool, len(ds))
	for i := range ds {
		if seen[ds[i].Name] {
			return fault.New(fault.Invalid, "domain %s appears twice in the pin set", ds[i].Name)
		}
		seen[ds[i].Name] = true
		if err := validateDomain(ds[i]); err != nil {
			return err
		}
	}
	return nil
}

// validateDomain applies the loader's rules to a domain already built: what
// LoadPinSet refuses, and what it would read back differently (a name not
// in lower case, an empty label or type, a comment that is not UTF-8). The
// fuzz target FuzzValidate holds it to the loader, through the file format.
func validateDomain(d pins.Domain) error {
	if err := validateName(d); err != nil {
		return err
	}
	switch n := len(d.Pins); {
	case n == 0:
		return invalidf("domain %s has no pins", d.Name)
	case n > pins.MaxPinsPerDomain:
		return invalidf("domain %s has %d pins; at most %d are accepted", d.Name, n, pins.MaxPinsPerDomain)
	}
	seen := make(map[pins.Pin]bool, len(d.Pins))
	for i, e := range d.Pins {
		if seen[e.SHA256] {
			return invalidf("domain %s: pin %s appears twice", d.Name, e.SHA256)
		}
		seen[e.SHA256] = true
		if err := validateEntry(e); err != nil {
			return invalidf("domain %s, pin %d: %w", d.Name, i+1, err)
		}
	}
	return nil
}

func validateName(d pins.Domain) error {
	name, err := pins.NormalizeHostname(d.Name)
	switch {
	case err != nil:
		return invalidf("pin set domain: %w", err)
	case name != d.Name:
		return invalidf("domain %q is not in canonical form (want %s)", clip(d.Name, 80), name)
	}
	if _, ok := d.ExpiresTime(); !ok && d.Expires != "" {
		return invalidf("domain %s: expires %q is not a date (yyyy-mm-dd)", d.Name, clip(d.Expires, 40))
	}
	return nil
}

func validateEntry(e pins.PinEntry) error {
	if _, _, err := pins.Parse(e.SHA256.String()); err != nil {
		return err
	}
	if e.Label != pins.Primary && e.Label != pins.Backup {
		return invalidf("label %q is neither primary nor backup", clip(string(e.Label), 40))
	}
	if e.Type != pins.Leaf && e.Type != pins.Intermediate && e.Type != pins.Root {
		return invalidf("type %q is not leaf, intermediate or root", clip(string(e.Type), 40))
	}
	if len(e.Comment) > pins.MaxCommentLength || !utf8.ValidString(e.Comment) || strings.ContainsFunc(e.Comment, isControl) {
		return invalidf("comment is longer than %d bytes, not UTF-8, or holds control characters", pins.MaxCommentLength)
	}
	return nil
}

// isControl is the loader's rule for comments: C0, DEL and C1.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func invalidf(format string, a ...any) error { return fault.New(fault.Invalid, format, a...) }

// Clone returns a deep copy of set (an empty set for nil), sorted.
func Clone(set *pins.PinSet) *pins.PinSet {
	out := &pins.PinSet{Schema: pins.SchemaVersion, Domains: make([]pins.Domain, 0, len(domains(set)))}
	if set != nil {
		out.BaseVersion = set.BaseVersion
	}
	for _, d := range domains(set) {
		out.Domains = append(out.Domains, cloneDomain(d))
	}
	out.Sort()
	return out
}

func cloneDomain(d pins.Domain) pins.Domain {
	d.Pins = slices.Clone(d.Pins)
	return d
}

func domains(set *pins.PinSet) []pins.Domain {
	if set == nil {
		return nil
	}
	return set.Domains
}

// byName indexes a set's domains; a missing name maps to nil.
func byName(set *pins.PinSet) map[string]*pins.Domain {
	ds := domains(set)
	m := make(map[string]*pins.Domain, len(ds))
	for i := range ds {
		m[ds[i].Name] = &ds[i]
	}
	return m
}

// unionNames lists the domain names of all sets, sorted.
func unionNames(sets ...*pins.PinSet) []string {
	var names []string
	for _, s := range sets {
		for _, d := range domains(s) {
			names = append(names, d.Name)
		}
	}
	slices.SortFunc(names, strings.Compare)
	return slices.Compact(names)
}

func entries(ps []pins.PinEntry) map[pins.Pin]pins.PinEntry {
	m := make(map[pins.Pin]pins.PinEntry, len(ps))
	for _, e := range ps {
		m[e.SHA256] = e
	}
	return m
}

// orEmpty returns the domain, or for nil an empty one named name: the base
// of a domain that a side adds.
func orEmpty(name string, d *pins.Domain) pins.Domain {
	if d == nil {
		return pins.Domain{Name: name}
	}
	return *d
}

func indexOf(set *pins.PinSet, name string) int {
	return slices.IndexFunc(set.Domains, func(d pins.Domain) bool { return d.Name == name })
}

func pinIndex(d *pins.Domain, p pins.Pin) int {
	return slices.IndexFunc(d.Pins, func(e pins.PinEntry) bool { return e.SHA256 == p })
}
