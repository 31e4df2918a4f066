package pins

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// SchemaVersion is the pin-set file format this package reads and writes.
const SchemaVersion = 1

// Bounds on pin-set files (docs/pinset.md).
const (
	MaxPinSetSize    = 1 << 20
	MaxDomains       = 1000
	MaxPinsPerDomain = 32
	MaxCommentLength = 200
)

// Label says whether a pin is the one in use or a standby for rotation.
type Label string

// Pin labels.
const (
	Primary Label = "primary"
	Backup  Label = "backup"
)

// PinSet is the pin-set file: which public keys each domain may present.
// The staged workflow (pin pull/push/diff) keeps BaseVersion: the backend
// version the set was pulled at, 0 for a set that never came from a backend.
type PinSet struct {
	Schema      int      `json:"schema"`
	BaseVersion uint64   `json:"base_version"`
	Domains     []Domain `json:"domains"`
}

// Domain holds the pins for one host name.
type Domain struct {
	Name              string     `json:"domain"`
	IncludeSubdomains bool       `json:"include_subdomains,omitempty"`
	Expires           string     `json:"expires,omitempty"` // yyyy-mm-dd: clients stop enforcing after it
	Pins              []PinEntry `json:"pins"`
}

// PinEntry is one pin of a domain.
type PinEntry struct {
	SHA256  Pin      `json:"sha256"`
	Label   Label    `json:"label"`
	Type    Position `json:"type"`
	Comment string   `json:"comment,omitempty"`
}

// rawPinEntry lets the loader parse pins leniently and collect warnings.
type rawPinEntry struct {
	SHA256  string   `json:"sha256"`
	Label   Label    `json:"label"`
	Type    Position `json:"type"`
	Comment string   `json:"comment,omitempty"`
}

type rawDomain struct {
	Name              string  `json:"domain"`
	IncludeSubdomains bool    `json:"include_subdomains"`
	Expires           string  `json:"expires"`
	Pins              pinList `json:"pins"`
}

type rawPinSet struct {
	Schema      int        `json:"schema"`
	BaseVersion uint64     `json:"base_version"`
	Domains     domainList `json:"domains"`
}

// ExpiresTime returns the end of the expiry day (UTC), and false when unset.
func (d Domain) ExpiresTime() (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, d.Expires)
	if err != nil {
		return time.Time{}, false
	}
	return t.Add(24*time.Hour - time.Nanosecond), true
}

// ReadPinSet reads at most MaxPinSetSize bytes and parses them with LoadPinSet.
func ReadPinSet(r io.Reader) (*PinSet, []string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPinSetSize+1))
	if err != nil {
		return nil, nil, invalidf("reading the pin set: %w", err)
	}
	return LoadPinSet(data)
}

// LoadPinSet parses and validates a pin-set file. Errors are of kind Invalid
// and name the domain and pin at fault; warnings (normalised pins,
// placeholders, no backup) are returned, never printed.
func LoadPinSet(data []byte) (*PinSet, []string, error) {
	if len(data) > MaxPinSetSize {
		return nil, nil, invalidf("pin set is larger than %d bytes", MaxPinSetSize)
	}
	var raw rawPinSet
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, invalidf("pin set is not valid: %s", jsonErr(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, invalidf("pin set is not valid: unexpected data after the JSON object")
	}
	if key, dup := duplicateKey(data); dup {
		return nil, nil, invalidf("pin set is not valid: key %q appears twice in one object", truncate(key, 40))
	}
	return raw.build()
}

func jsonErr(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("JSON syntax error at byte %d", syn.Offset)
	}
	return truncate(strings.TrimPrefix(err.Error(), "json: "), 160)
}

func (raw *rawPinSet) build() (*PinSet, []string, error) {
	if raw.Schema != SchemaVersion {
		return nil, nil, invalidf("pin set schema %d is not supported (this version reads schema %d)", raw.Schema, SchemaVersion)
	}
	if raw.Domains.total > MaxDomains {
		return nil, nil, invalidf("pin set has %d domains; at most %d are accepted", raw.Domains.total, MaxDomains)
	}
	set := &PinSet{Schema: SchemaVersion, BaseVersion: raw.BaseVersion, Domains: make([]Domain, 0, len(raw.Domains.items))}
	var warns []string
	seen := map[string]bool{}
	for i := range raw.Domains.items {
		d, w, err := raw.Domains.items[i].build()
		if err != nil {
			return nil, nil, err
		}
		if seen[d.Name] {
			return nil, nil, invalidf("domain %s appears twice in the pin set", d.Name)
		}
		seen[d.Name] = true
		set.Domains = append(set.Domains, d)
		warns = append(warns, w...)
	}
	set.Sort()
	return set, warns, nil
}

func (rd *rawDomain) build() (Domain, []string, error) {
	name, err := NormalizeHostname(rd.Name)
	if err != nil {
		return Domain{}, nil, invalidf("pin set domain: %w", err)
	}
	d := Domain{Name: name, IncludeSubdomains: rd.IncludeSubdomains, Expires: rd.Expires}
	if _, ok := d.ExpiresTime(); !ok && rd.Expires != "" {
		return d, nil, invalidf("domain %s: expires %q is not a date (yyyy-mm-dd)", name, truncate(rd.Expires, 40))
	}
	if rd.Pins.total == 0 {
		return d, nil, invalidf("domain %s has no pins", name)
	}
	if rd.Pins.total > MaxPinsPerDomain {
		return d, nil, invalidf("domain %s has %d pins; at most %d are accepted", name, rd.Pins.total, MaxPinsPerDomain)
	}
	var warns []string
	d.Pins, warns, err = buildPins(name, rd.Pins.items)
	return d, warns, err
}

func buildPins(domain string, raw []rawPinEntry) ([]PinEntry, []string, error) {
	var out []PinEntry
	var warns []string
	for i, rp := range raw {
		p, w, err := rp.build()
		if err != nil {
			return nil, nil, pinError(domain, i, err)
		}
		if slices.ContainsFunc(out, func(q PinEntry) bool { return q.SHA256 == p.SHA256 }) {
			return nil, nil, invalidf("domain %s: pin %s appears twice", domain, p.SHA256)
		}
		out = append(out, p)
		for _, s := range w {
			warns = append(warns, "domain "+domain+": "+s)
		}
	}
	return out, warns, nil
}

func pinError(domain string, i int, err error) error {
	return invalidf("domain %s, pin %d: %w", domain, i+1, err)
}

func (rp rawPinEntry) build() (PinEntry, []string, error) {
	p, warns, err := Parse(rp.SHA256)
	if err != nil {
		return PinEntry{}, nil, err
	}
	e := PinEntry{SHA256: p, Label: rp.Label, Type: rp.Type, Comment: rp.Comment}
	if e.Label == "" {
		e.Label = Primary
	}
	if e.Type == "" {
		e.Type = Leaf
	}
	if e.Label != Primary && e.Label != Backup {
		return e, nil, invalidf("label %q is neither primary nor backup", truncate(string(rp.Label), 40))
	}
	if e.Type != Leaf && e.Type != Intermediate && e.Type != Root {
		return e, nil, invalidf("type %q is not leaf, intermediate or root", truncate(string(rp.Type), 40))
	}
	if len(e.Comment) > MaxCommentLength || strings.ContainsFunc(e.Comment, isControl) {
		return e, nil, invalidf("comment is longer than %d bytes or holds control characters", MaxCommentLength)
	}
	return e, warns, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// Sort orders domains by name, the canonical order of the file.
func (s *PinSet) Sort() {
	slices.SortFunc(s.Domains, func(a, b Domain) int { return strings.Compare(a.Name, b.Name) })
}

// Marshal writes the canonical file: sorted domains, two-space indent, final newline.
func (s *PinSet) Marshal() ([]byte, error) {
	c := *s
	c.Schema = SchemaVersion
	c.Domains = slices.Clone(s.Domains)
	c.Sort()
	out, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Lint returns the policy warnings of a set at time now: a domain with a
// single pin, with no backup, or whose pin-set expiry is past or within soon.
func (s *PinSet) Lint(now time.Time, soon time.Duration) []string {
	var warns []string
	for _, d := range s.Domains {
		warns = append(warns, d.Lint(now, soon)...)
	}
	return warns
}

// Lint returns the domain's policy warnings (see PinSet.Lint).
func (d Domain) Lint(now time.Time, soon time.Duration) []string {
	var warns []string
	switch {
	case len(d.Pins) == 1:
		warns = append(warns, fmt.Sprintf("domain %s has a single pin: a key change will break every client; add a backup pin", d.Name))
	case !slices.ContainsFunc(d.Pins, func(p PinEntry) bool { return p.Label == Backup }):
		warns = append(warns, fmt.Sprintf("domain %s has no pin labelled backup", d.Name))
	}
	if exp, ok := d.ExpiresTime(); ok {
		switch {
		case !exp.After(now):
			warns = append(warns, fmt.Sprintf("domain %s: pin set expired on %s; Android stops enforcing expired pins silently", d.Name, d.Expires))
		case exp.Sub(now) < soon:
			warns = append(warns, fmt.Sprintf("domain %s: pin set expires on %s (in %d days)", d.Name, d.Expires, int(exp.Sub(now).Hours()/24)))
		}
	}
	return warns
}
