package stage

import (
	"fmt"
	"slices"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Conflict is a change a three-way merge cannot decide, named precisely:
// the domain, then the pin or the option at stake (neither when the whole
// domain is, nor the domain when the whole set is), and what base, theirs
// and yours had. Reason explains a conflict that no single change makes,
// such as two removals that together leave a domain without pins.
type Conflict struct {
	Domain string `json:"domain,omitempty"`
	Pin    string `json:"pin,omitempty"`
	Option string `json:"option,omitempty"`
	Base   string `json:"base"`
	Theirs string `json:"theirs"`
	Yours  string `json:"yours"`
	Reason string `json:"reason,omitempty"`
}

// String renders the conflict on one line.
func (c Conflict) String() string {
	var where []string
	if c.Domain != "" {
		where = append(where, "domain "+c.Domain)
	}
	if c.Pin != "" {
		where = append(where, "pin "+c.Pin)
	}
	if c.Option != "" {
		where = append(where, c.Option)
	}
	if len(where) == 0 {
		where = append(where, "the pin set")
	}
	s := strings.Join(where, ", ") + ": "
	if c.Reason != "" {
		s += c.Reason + "; "
	}
	return s + fmt.Sprintf("base: %s; theirs: %s; yours: %s", c.Base, c.Theirs, c.Yours)
}

// ConflictError returns nil without conflicts, else an error of kind
// Conflict (exit 3) naming each one.
func ConflictError(cs []Conflict) error {
	if len(cs) == 0 {
		return nil
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return fault.New(fault.Conflict, "%d conflict(s) stop the merge: %s", len(cs), strings.Join(parts, " | "))
}

// Merge combines the changes from base to theirs (the backend's current
// version) and from base to yours (the staged set). Per domain: the same
// content on both sides, or a side that left it as in base, decides it;
// otherwise options and pins merge one by one with the same rule. Anything
// else is a conflict, and so is a merged domain with no pin or too many.
// On any conflict the merged set is nil. The merged set takes theirs'
// BaseVersion: the version it now builds on. A nil set is empty.
func Merge(base, theirs, yours *pins.PinSet) (*pins.PinSet, []Conflict) {
	b, t, y := byName(base), byName(theirs), byName(yours)
	out := &pins.PinSet{Schema: pins.SchemaVersion, Domains: []pins.Domain{}}
	if theirs != nil {
		out.BaseVersion = theirs.BaseVersion
	}
	var cs []Conflict
	for _, name := range unionNames(base, theirs, yours) {
		d, dcs := mergeDomain(name, b[name], t[name], y[name])
		cs = append(cs, dcs...)
		if d != nil {
			out.Domains = append(out.Domains, *d)
		}
	}
	if len(cs) == 0 {
		cs = setConflicts(out, base, theirs, yours)
	}
	if len(cs) > 0 {
		return nil, cs
	}
	return out, nil
}

func mergeDomain(name string, b, t, y *pins.Domain) (*pins.Domain, []Conflict) {
	switch {
	case sameDomain(t, y), sameDomain(b, y):
		return cloneOrNil(t), nil
	case sameDomain(b, t):
		return cloneOrNil(y), nil
	case t == nil || y == nil:
		return nil, []Conflict{{Domain: name, Base: describeDomain(nil, b), Theirs: describeDomain(b, t), Yours: describeDomain(b, y)}}
	}
	return mergeFields(name, orEmpty(name, b), *t, *y)
}

func cloneOrNil(d *pins.Domain) *pins.Domain {
	if d == nil {
		return nil
	}
	c := cloneDomain(*d)
	return &c
}

// describeDomain says what a side did to a domain relative to base.
func describeDomain(base, d *pins.Domain) string {
	switch {
	case d == nil && base == nil:
		return "absent"
	case d == nil:
		return "removed the domain"
	case base == nil:
		return "present with " + pinList(d.Pins)
	}
	dd, _ := compareDomain(d.Name, base, d)
	if s := dd.Summary(); s != "" {
		return s
	}
	return "unchanged"
}

// merge3 is the three-way rule for one value.
func merge3[T comparable](b, t, y T) (T, bool) {
	switch {
	case t == y, b == y:
		return t, true
	case b == t:
		return y, true
	}
	var zero T
	return zero, false
}

func mergeFields(name string, b, t, y pins.Domain) (*pins.Domain, []Conflict) {
	out := pins.Domain{Name: name}
	var cs []Conflict
	for _, o := range optionNames {
		v, ok := merge3(option(b, o), option(t, o), option(y, o))
		if !ok {
			cs = append(cs, Conflict{Domain: name, Option: o, Base: orNone(option(b, o)), Theirs: orNone(option(t, o)), Yours: orNone(option(y, o))})
		}
		setOption(&out, o, v)
	}
	var pcs []Conflict
	out.Pins, pcs = mergePins(name, b.Pins, t.Pins, y.Pins)
	if cs = append(cs, pcs...); len(cs) == 0 {
		cs = pinCountConflicts(out, b, t, y)
	}
	return &out, cs
}

// slot is a pin's state on one side: absent, or present with its entry.
type slot struct {
	present bool
	entry   pins.PinEntry
}

func (s slot) describe() string {
	if !s.present {
		return "absent"
	}
	return describeEntry(&s.entry)
}

// mergePins merges pin by pin; the merged pins are in theirs' order, then
// yours' additions.
func mergePins(name string, b, t, y []pins.PinEntry) ([]pins.PinEntry, []Conflict) {
	eb, et, ey := entries(b), entries(t), entries(y)
	out := []pins.PinEntry{}
	var cs []Conflict
	for _, p := range pinOrder(t, y, b) {
		sb, st, sy := lookup(eb, p), lookup(et, p), lookup(ey, p)
		s, ok := merge3(sb, st, sy)
		switch {
		case !ok:
			cs = append(cs, Conflict{Domain: name, Pin: p.String(), Base: sb.describe(), Theirs: st.describe(), Yours: sy.describe()})
		case s.present:
			out = append(out, s.entry)
		}
	}
	// By pin, so that swapping theirs and yours only swaps the sides.
	slices.SortFunc(cs, func(a, b Conflict) int { return strings.Compare(a.Pin, b.Pin) })
	return out, cs
}

func lookup(m map[pins.Pin]pins.PinEntry, p pins.Pin) slot {
	e, ok := m[p]
	return slot{present: ok, entry: e}
}

func pinOrder(lists ...[]pins.PinEntry) []pins.Pin {
	seen := map[pins.Pin]bool{}
	var out []pins.Pin
	for _, l := range lists {
		for _, e := range l {
			if !seen[e.SHA256] {
				seen[e.SHA256] = true
				out = append(out, e.SHA256)
			}
		}
	}
	return out
}

// pinCountConflicts catches merges that are right pin by pin and wrong as a
// whole: both sides removed different pins and none is left, or both added
// and there are now too many.
func pinCountConflicts(d, b, t, y pins.Domain) []Conflict {
	reason := ""
	switch n := len(d.Pins); {
	case n == 0:
		reason = "the merged domain has no pin left"
	case n > pins.MaxPinsPerDomain:
		reason = fmt.Sprintf("the merged domain has %d pins; at most %d are accepted", n, pins.MaxPinsPerDomain)
	default:
		return nil
	}
	return []Conflict{{Domain: d.Name, Reason: reason, Base: pinList(b.Pins), Theirs: pinList(t.Pins), Yours: pinList(y.Pins)}}
}

func pinList(ps []pins.PinEntry) string {
	if len(ps) == 0 {
		return "no pins"
	}
	s := make([]string, len(ps))
	for i, e := range ps {
		s[i] = e.SHA256.String() + " " + string(e.Label)
	}
	return fmt.Sprintf("%d pin(s): %s", len(ps), strings.Join(s, ", "))
}

// setConflicts checks the merged set as a whole: the domain limit, then
// every rule of the file format (which valid inputs cannot break otherwise).
func setConflicts(out, base, theirs, yours *pins.PinSet) []Conflict {
	count := func(s *pins.PinSet) string { return fmt.Sprintf("%d domain(s)", len(domains(s))) }
	if n := len(out.Domains); n > pins.MaxDomains {
		return []Conflict{{Reason: fmt.Sprintf("the merged set has %d domains; at most %d are accepted", n, pins.MaxDomains),
			Base: count(base), Theirs: count(theirs), Yours: count(yours)}}
	}
	if err := Validate(out); err != nil {
		return []Conflict{{Reason: "the merged set is not valid: " + err.Error(), Base: count(base), Theirs: count(theirs), Yours: count(yours)}}
	}
	return nil
}

// Summary is the three-way view of a push that lost the race (exit 3): what
// others pushed since your base, what you staged, and what a merge of the two
// would stop on. Versions come from the sets' BaseVersion: the version each
// set's content was read at.
type Summary struct {
	BaseVersion   uint64     `json:"base_version"`
	TheirsVersion uint64     `json:"theirs_version"`
	Theirs        Diff       `json:"theirs"`
	Yours         Diff       `json:"yours"`
	Conflicts     []Conflict `json:"conflicts"`
}

// Summarize builds the three-way summary of base, theirs and yours.
func Summarize(base, theirs, yours *pins.PinSet) Summary {
	s := Summary{Theirs: Compare(base, theirs), Yours: Compare(base, yours), Conflicts: []Conflict{}}
	if base != nil {
		s.BaseVersion = base.BaseVersion
	}
	if theirs != nil {
		s.TheirsVersion = theirs.BaseVersion
	}
	if _, cs := Merge(base, theirs, yours); len(cs) > 0 {
		s.Conflicts = cs
	}
	return s
}

// Lines renders the summary for people.
func (s Summary) Lines() []string {
	out := []string{fmt.Sprintf("your staged set is based on version %d; the current version is %d", s.BaseVersion, s.TheirsVersion)}
	out = append(out, section("changes since your base (theirs):", s.Theirs)...)
	out = append(out, section("your staged changes (yours):", s.Yours)...)
	if len(s.Conflicts) == 0 {
		return append(out, "the two merge without conflict")
	}
	out = append(out, fmt.Sprintf("%d conflict(s) stop a merge:", len(s.Conflicts)))
	for _, c := range s.Conflicts {
		out = append(out, "  "+c.String())
	}
	return out
}

func section(title string, d Diff) []string {
	if d.Empty() {
		return []string{title + " none"}
	}
	out := []string{title}
	for _, l := range d.Lines() {
		out = append(out, "  "+l)
	}
	return out
}
