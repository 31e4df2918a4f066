package stage

import (
	"fmt"
	"slices"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Edit is the outcome of an operation on a working copy: the new copy, what
// changed from the old one (empty for a no-op), and notes for people. The
// copy given to an operation is never modified, and no operation returns a
// set that Validate refuses.
type Edit struct {
	Set   *pins.PinSet
	Diff  Diff
	Notes []string
}

// Add adds candidate c to domain under label (primary when empty), creating
// the domain when the set lacks it. A pin the domain already has is a no-op
// with a note. Placeholder pins are refused.
func Add(set *pins.PinSet, domain string, c Candidate, label pins.Label) (Edit, error) {
	name, err := pins.NormalizeHostname(domain)
	if err != nil {
		return Edit{}, err
	}
	if label, err = labelOrDefault(label); err != nil {
		return Edit{}, err
	}
	if pins.IsPlaceholder(c.Pin) {
		return Edit{}, fault.New(fault.Invalid, "pin %s is a placeholder (one repeated byte or character), not the hash of a key", c.Pin)
	}
	out := Clone(set)
	i := indexOf(out, name)
	if i < 0 {
		out.Domains = append(out.Domains, pins.Domain{Name: name})
		i = len(out.Domains) - 1
	}
	d := &out.Domains[i]
	if j := pinIndex(d, c.Pin); j >= 0 {
		return unchanged(set, fmt.Sprintf("domain %s already has pin %s (%s)", name, c.Pin, describeEntry(&d.Pins[j])))
	}
	d.Pins = append(d.Pins, c.entry(label))
	return finish(set, out, c.Warnings...)
}

func labelOrDefault(l pins.Label) (pins.Label, error) {
	switch l {
	case "":
		return pins.Primary, nil
	case pins.Primary, pins.Backup:
		return l, nil
	}
	return "", fault.New(fault.Usage, "label %q is neither primary nor backup", clip(string(l), 40))
}

// unchanged is the Edit of a no-op: a copy of set, an empty diff and a note.
func unchanged(set *pins.PinSet, note string) (Edit, error) {
	return Edit{Set: Clone(set), Diff: Diff{Domains: []DomainDiff{}}, Notes: []string{note}}, nil
}

// finish sorts and validates out and reports its diff from old.
func finish(old, out *pins.PinSet, notes ...string) (Edit, error) {
	out.Sort()
	if err := Validate(out); err != nil {
		return Edit{}, err
	}
	return Edit{Set: out, Diff: Compare(old, out), Notes: notes}, nil
}

// Remove removes domain, or only its pin p when p is not nil. Removing the
// last pin of a domain is refused: remove the domain.
func Remove(set *pins.PinSet, domain string, p *pins.Pin) (Edit, error) {
	out, i, err := findDomain(set, domain)
	if err != nil {
		return Edit{}, err
	}
	if p == nil {
		out.Domains = slices.Delete(out.Domains, i, i+1)
		return finish(set, out)
	}
	if err := dropPin(&out.Domains[i], *p, "remove the domain instead"); err != nil {
		return Edit{}, err
	}
	return finish(set, out)
}

// findDomain returns a copy of set and the index of domain in it.
func findDomain(set *pins.PinSet, domain string) (*pins.PinSet, int, error) {
	name, err := pins.NormalizeHostname(domain)
	if err != nil {
		return nil, 0, err
	}
	out := Clone(set)
	i := indexOf(out, name)
	if i < 0 {
		return nil, 0, fault.New(fault.Invalid, "domain %s is not in the pin set", name)
	}
	return out, i, nil
}

// dropPin removes p from d, refusing a pin d lacks or its last pin.
func dropPin(d *pins.Domain, p pins.Pin, hint string) error {
	j := pinIndex(d, p)
	switch {
	case j < 0:
		return fault.New(fault.Invalid, "domain %s has no pin %s", d.Name, p)
	case len(d.Pins) == 1:
		return fault.New(fault.Invalid, "pin %s is the last pin of %s: %s", p, d.Name, hint)
	}
	d.Pins = slices.Delete(d.Pins, j, j+1)
	return nil
}

// Rotate stages candidate c, the next key of an existing domain, as a backup
// pin: the first step of a rotation (stage, push, switch the server, retire).
func Rotate(set *pins.PinSet, domain string, c Candidate) (Edit, error) {
	if _, _, err := findDomain(set, domain); err != nil {
		return Edit{}, err
	}
	return Add(set, domain, c, pins.Backup)
}

// Retire removes pin p of domain, the last step of a rotation. It refuses
// the domain's last pin and, given the live observations of the domain, a
// pin that is the only match at some address (the server still serves that
// key). When no primary pin is left, the backups the server serves are
// relabelled primary; without observations labels are left alone.
func Retire(set *pins.PinSet, domain string, p pins.Pin, obs []Observation) (Edit, error) {
	out, i, err := findDomain(set, domain)
	if err != nil {
		return Edit{}, err
	}
	d := &out.Domains[i]
	if err := dropPin(d, p, "stage the next key first (rotate)"); err != nil {
		return Edit{}, err
	}
	for _, o := range obs {
		if served(p, o) && !anyMatches(d.Pins, o) {
			return Edit{}, fault.New(fault.Invalid, "domain %s: %s still serves the key of pin %s and no other pin matches it", d.Name, o.Address, p)
		}
	}
	return finish(set, out, promote(d, obs)...)
}

// promote relabels as primary the served backups of a domain left without a
// primary, and says so.
func promote(d *pins.Domain, obs []Observation) []string {
	if slices.ContainsFunc(d.Pins, func(e pins.PinEntry) bool { return e.Label == pins.Primary }) {
		return nil
	}
	var notes []string
	for j, e := range d.Pins {
		if len(obs) > 0 && slices.ContainsFunc(obs, func(o Observation) bool { return served(e.SHA256, o) }) {
			d.Pins[j].Label = pins.Primary
			notes = append(notes, fmt.Sprintf("domain %s: pin %s is served live; relabelled primary", d.Name, e.SHA256))
		}
	}
	if len(notes) == 0 {
		notes = append(notes, fmt.Sprintf("domain %s has no pin labelled primary left", d.Name))
	}
	return notes
}

// DomainOptions are the options Configure sets; nil fields stay as they are.
type DomainOptions struct {
	IncludeSubdomains *bool
	Expires           *string // yyyy-mm-dd, or "" for none
}

// Configure sets the options of an existing domain.
func Configure(set *pins.PinSet, domain string, opts DomainOptions) (Edit, error) {
	out, i, err := findDomain(set, domain)
	if err != nil {
		return Edit{}, err
	}
	d := &out.Domains[i]
	if opts.IncludeSubdomains != nil {
		d.IncludeSubdomains = *opts.IncludeSubdomains
	}
	if opts.Expires != nil {
		d.Expires = *opts.Expires
	}
	return finish(set, out)
}

// Revert stages the content of an older version over the working copy,
// keeping the working copy's BaseVersion (a revert is a new change on top of
// the version it was pulled at, not a rewind of history).
func Revert(staged, version *pins.PinSet) (Edit, error) {
	out := Clone(version)
	out.BaseVersion = 0
	if staged != nil {
		out.BaseVersion = staged.BaseVersion
	}
	return finish(staged, out)
}
