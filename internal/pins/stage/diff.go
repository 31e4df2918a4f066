package stage

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Change says what happened to a domain or a pin.
type Change string

// The changes of a diff.
const (
	Added   Change = "added"
	Removed Change = "removed"
	Changed Change = "changed"
)

// The domain options a diff reports, in the order it reports them.
const (
	OptionIncludeSubdomains = "include_subdomains"
	OptionExpires           = "expires"
)

var optionNames = []string{OptionIncludeSubdomains, OptionExpires}

// Diff is what turns one pin set into another: the domains that differ,
// sorted by name. The zero Diff means "same content".
type Diff struct {
	Domains []DomainDiff `json:"domains"`
}

// DomainDiff is the change of one domain. An added domain lists every pin
// as added and every option that is not the default; a removed one lists
// every pin as removed, so that the diff alone can be applied and reviewed.
type DomainDiff struct {
	Domain  string         `json:"domain"`
	Change  Change         `json:"change"`
	Options []OptionChange `json:"options,omitempty"`
	Pins    []PinChange    `json:"pins,omitempty"`
}

// OptionChange is the change of one domain option. Values are written as in
// the file: "true"/"false" for include_subdomains, yyyy-mm-dd or "" (none)
// for expires.
type OptionChange struct {
	Option string `json:"option"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

// PinChange is the change of one pin: Old is nil when it was added, New when
// it was removed; both are set when its label, type or comment changed.
type PinChange struct {
	Pin    pins.Pin       `json:"pin"`
	Change Change         `json:"change"`
	Old    *pins.PinEntry `json:"old,omitempty"`
	New    *pins.PinEntry `json:"new,omitempty"`
}

// Empty reports whether the diff changes nothing.
func (d Diff) Empty() bool { return len(d.Domains) == 0 }

// Compare returns the diff from a to b. Pins of a domain are listed in a's
// order (removed and changed ones), then b's (added ones). A nil set is empty.
func Compare(a, b *pins.PinSet) Diff {
	old, cur := byName(a), byName(b)
	out := Diff{Domains: []DomainDiff{}}
	for _, name := range unionNames(a, b) {
		if dd, ok := compareDomain(name, old[name], cur[name]); ok {
			out.Domains = append(out.Domains, dd)
		}
	}
	return out
}

func compareDomain(name string, a, b *pins.Domain) (DomainDiff, bool) {
	dd := DomainDiff{Domain: name, Change: Changed}
	switch {
	case a == nil && b == nil:
		return dd, false
	case a == nil:
		dd.Change = Added
	case b == nil:
		dd.Change = Removed
	}
	ea, eb := orEmpty(name, a), orEmpty(name, b)
	dd.Options = compareOptions(ea, eb)
	dd.Pins = comparePins(ea.Pins, eb.Pins)
	return dd, dd.Change != Changed || len(dd.Options)+len(dd.Pins) > 0
}

func compareOptions(a, b pins.Domain) []OptionChange {
	var out []OptionChange
	for _, o := range optionNames {
		if va, vb := option(a, o), option(b, o); va != vb {
			out = append(out, OptionChange{Option: o, Old: va, New: vb})
		}
	}
	return out
}

func comparePins(a, b []pins.PinEntry) []PinChange {
	var out []PinChange
	inA, inB := entries(a), entries(b)
	for _, e := range a {
		n, ok := inB[e.SHA256]
		switch {
		case !ok:
			out = append(out, PinChange{Pin: e.SHA256, Change: Removed, Old: ptr(e)})
		case n != e:
			out = append(out, PinChange{Pin: e.SHA256, Change: Changed, Old: ptr(e), New: ptr(n)})
		}
	}
	for _, e := range b {
		if _, ok := inA[e.SHA256]; !ok {
			out = append(out, PinChange{Pin: e.SHA256, Change: Added, New: ptr(e)})
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// option reads a domain option in its file spelling.
func option(d pins.Domain, name string) string {
	if name == OptionIncludeSubdomains {
		return strconv.FormatBool(d.IncludeSubdomains)
	}
	return d.Expires
}

func setOption(d *pins.Domain, name, v string) {
	if name == OptionIncludeSubdomains {
		d.IncludeSubdomains = v == "true"
		return
	}
	d.Expires = v
}

// Apply returns a copy of set with d applied. Every change must find what it
// expects (the old value of an option or pin, a domain absent before it is
// added): otherwise the error, of kind Conflict, names the first mismatch.
// Added pins go after a domain's existing ones. The result is validated.
func Apply(set *pins.PinSet, d Diff) (*pins.PinSet, error) {
	out := Clone(set)
	for _, dd := range d.Domains {
		if err := applyDomain(out, dd); err != nil {
			return nil, err
		}
	}
	out.Sort()
	if err := Validate(out); err != nil {
		return nil, err
	}
	return out, nil
}

func applyDomain(set *pins.PinSet, dd DomainDiff) error {
	i := indexOf(set, dd.Domain)
	if adding := dd.Change == Added; adding != (i < 0) {
		return conflictf("domain %s: the diff expects it %s", dd.Domain, presence(!adding))
	}
	if i < 0 {
		set.Domains = append(set.Domains, pins.Domain{Name: dd.Domain})
		i = len(set.Domains) - 1
	}
	d := &set.Domains[i]
	for _, oc := range dd.Options {
		if got := option(*d, oc.Option); got != oc.Old {
			return conflictf("domain %s: %s is %s, the diff expects %s", d.Name, oc.Option, orNone(got), orNone(oc.Old))
		}
		setOption(d, oc.Option, oc.New)
	}
	for _, pc := range dd.Pins {
		if err := applyPin(d, pc); err != nil {
			return err
		}
	}
	return finishDomain(set, i, dd)
}

func applyPin(d *pins.Domain, pc PinChange) error {
	j := pinIndex(d, pc.Pin)
	var have *pins.PinEntry
	if j >= 0 {
		have = &d.Pins[j]
	}
	if !sameEntry(have, pc.Old) {
		return conflictf("domain %s, pin %s: it is %s, the diff expects %s", d.Name, pc.Pin, describeEntry(have), describeEntry(pc.Old))
	}
	switch {
	case pc.New == nil:
		d.Pins = append(d.Pins[:j], d.Pins[j+1:]...)
	case j < 0:
		d.Pins = append(d.Pins, *pc.New)
	default:
		d.Pins[j] = *pc.New
	}
	return nil
}

// finishDomain drops a removed domain, which must then be empty.
func finishDomain(set *pins.PinSet, i int, dd DomainDiff) error {
	d := set.Domains[i]
	if dd.Change != Removed {
		return nil
	}
	if len(d.Pins) > 0 || d.IncludeSubdomains || d.Expires != "" {
		return conflictf("domain %s: it has content the diff does not remove", d.Name)
	}
	set.Domains = append(set.Domains[:i], set.Domains[i+1:]...)
	return nil
}

func sameEntry(a, b *pins.PinEntry) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func conflictf(format string, a ...any) error { return fault.New(fault.Conflict, format, a...) }

func presence(present bool) string {
	if present {
		return "present"
	}
	return "absent"
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

// describeEntry says what a pin is, for people: "backup leaf (comment "…")".
func describeEntry(e *pins.PinEntry) string {
	if e == nil {
		return "absent"
	}
	s := string(e.Label) + " " + string(e.Type)
	if e.Comment != "" {
		s += fmt.Sprintf(" (comment %q)", e.Comment)
	}
	return s
}

// Lines renders the diff for people, one change a line: "+ ", "- " and "~ "
// mark added, removed and changed domains and pins (pins and options are
// indented under their domain), so that a terminal may colour them.
func (d Diff) Lines() []string {
	var out []string
	for _, dd := range d.Domains {
		out = append(out, dd.lines()...)
	}
	return out
}

// String is Lines joined by newlines, with a final newline unless empty.
func (d Diff) String() string {
	if d.Empty() {
		return ""
	}
	return strings.Join(d.Lines(), "\n") + "\n"
}

func (dd DomainDiff) lines() []string {
	out := []string{mark(dd.Change) + "domain " + dd.Domain}
	for _, oc := range dd.Options {
		out = append(out, fmt.Sprintf("    %s: %s → %s", oc.Option, orNone(oc.Old), orNone(oc.New)))
	}
	for _, pc := range dd.Pins {
		out = append(out, "    "+pc.line())
	}
	return out
}

func (pc PinChange) line() string {
	switch pc.Change {
	case Added:
		return "+ pin " + pc.Pin.String() + " " + describeEntry(pc.New)
	case Removed:
		return "- pin " + pc.Pin.String() + " " + describeEntry(pc.Old)
	}
	return "~ pin " + pc.Pin.String() + ": " + entryChanges(*pc.Old, *pc.New)
}

// entryChanges lists the fields of a pin that changed: "label backup → primary".
func entryChanges(a, b pins.PinEntry) string {
	var parts []string
	if a.Label != b.Label {
		parts = append(parts, fmt.Sprintf("label %s → %s", a.Label, b.Label))
	}
	if a.Type != b.Type {
		parts = append(parts, fmt.Sprintf("type %s → %s", a.Type, b.Type))
	}
	if a.Comment != b.Comment {
		parts = append(parts, fmt.Sprintf("comment %q → %q", a.Comment, b.Comment))
	}
	return strings.Join(parts, ", ")
}

func mark(c Change) string {
	switch c {
	case Added:
		return "+ "
	case Removed:
		return "- "
	}
	return "~ "
}

// Summary says in one phrase what the diff of a domain does, e.g. "added
// pin X (backup leaf); expires none → 2030-01-31".
func (dd DomainDiff) Summary() string {
	switch dd.Change {
	case Added:
		return fmt.Sprintf("added with %d pin(s)", len(dd.Pins))
	case Removed:
		return "removed"
	}
	var parts []string
	for _, oc := range dd.Options {
		parts = append(parts, fmt.Sprintf("%s %s → %s", oc.Option, orNone(oc.Old), orNone(oc.New)))
	}
	for _, pc := range dd.Pins {
		parts = append(parts, pc.summary())
	}
	return strings.Join(parts, "; ")
}

func (pc PinChange) summary() string {
	switch pc.Change {
	case Added:
		return fmt.Sprintf("added pin %s (%s)", pc.Pin, describeEntry(pc.New))
	case Removed:
		return fmt.Sprintf("removed pin %s", pc.Pin)
	}
	return fmt.Sprintf("pin %s: %s", pc.Pin, entryChanges(*pc.Old, *pc.New))
}
