// Package jar verifies JAR (APK v1) signatures: the PKCS#7 signature over
// each .SF file, the .SF digests over META-INF/MANIFEST.MF and the manifest
// digests over every entry of the archive.
package jar

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
)

// maxSections bounds the sections of one manifest or .SF file.
const maxSections = 1_000_000

// Section is one blank-line-separated block of a manifest or .SF file.
type Section struct {
	Name  string // value of the "Name" attribute; "" for the main section
	Attrs Attrs  // attribute names are case-insensitive: keys are lower-cased
	Raw   []byte // exact bytes including the terminating blank line, as digested by .SF files
}

// Attr is one attribute of a section.
type Attr struct{ Key, Value string }

// Attrs are a section's attributes sorted by key. A slice rather than a map:
// a manifest of many tiny sections would otherwise cost a map per section,
// some fifty times the bytes it arrived in.
type Attrs []Attr

// Get returns the value of the attribute with the lower-cased key k.
func (a Attrs) Get(k string) (string, bool) {
	i, ok := slices.BinarySearchFunc(a, k, func(x Attr, k string) int { return cmp.Compare(x.Key, k) })
	if !ok {
		return "", false
	}
	return a[i].Value, true
}

// Manifest is a parsed MANIFEST.MF or .SF file.
type Manifest struct {
	Main     Section
	Sections []Section
	ByName   map[string]*Section
}

func invalid(format string, a ...any) error {
	return fault.New(fault.Invalid, "jar signature: "+format, a...)
}

// ParseManifest parses the JAR manifest format: "Key: value" lines, each
// continued by lines starting with one space, sections separated by blank
// lines, any of \r\n, \n or \r as line ends. Duplicate entry sections are
// rejected: two readers could pick different ones.
func ParseManifest(b []byte) (*Manifest, error) {
	n := countSections(b)
	if n > maxSections {
		return nil, invalid("manifest has too many sections")
	}
	// Sized up front: growing by appending would allocate several times the
	// final slice for a manifest of many small sections.
	m := &Manifest{Sections: make([]Section, 0, n), ByName: make(map[string]*Section, n)}
	first := true
	for len(b) > 0 {
		raw, rest := splitSection(b)
		b = rest
		s, err := parseSection(raw)
		if err != nil {
			return nil, err
		}
		if first {
			m.Main, first = s, false
			continue
		}
		if len(s.Attrs) == 0 {
			continue // stray blank lines
		}
		if s.Name == "" {
			return nil, invalid("manifest section without a Name attribute")
		}
		m.Sections = append(m.Sections, s)
	}
	for i := range m.Sections {
		s := &m.Sections[i]
		if m.ByName[s.Name] != nil {
			return nil, invalid("manifest names %q twice", s.Name)
		}
		m.ByName[s.Name] = s
	}
	return m, nil
}

// countSections counts the sections after the main one that hold a line.
func countSections(b []byte) int {
	n := -1
	for len(b) > 0 {
		var raw []byte
		raw, b = splitSection(b)
		if n < 0 || len(bytes.Trim(raw, "\r\n")) > 0 {
			n++
		}
	}
	return max(n, 0)
}

// splitSection cuts b after the first empty line (or at its end).
func splitSection(b []byte) (section, rest []byte) {
	i := 0
	for i < len(b) {
		n := lineEnd(b[i:])
		line := b[i : i+n]
		i += n
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return b[:i], b[i:]
		}
	}
	return b, nil
}

// lineEnd returns the length of the first line of b including its terminator.
func lineEnd(b []byte) int {
	for i, c := range b {
		switch c {
		case '\n':
			return i + 1
		case '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				return i + 2
			}
			return i + 1
		}
	}
	return len(b)
}

func parseSection(raw []byte) (Section, error) {
	s := Section{Raw: raw}
	var key []byte
	var val strings.Builder
	flush := func() {
		if key != nil {
			s.Attrs = append(s.Attrs, Attr{Key: strings.ToLower(string(key)), Value: val.String()})
		}
	}
	for b := raw; len(b) > 0; {
		n := lineEnd(b)
		line := bytes.TrimRight(b[:n], "\r\n")
		b = b[n:]
		switch {
		case len(line) == 0:
		case line[0] == ' ':
			if key == nil {
				return s, invalid("manifest continuation line without an attribute")
			}
			val.Write(line[1:])
		default:
			k, v, ok := bytes.Cut(line, []byte(": "))
			if !ok || len(k) == 0 {
				return s, invalid("malformed manifest line %q", truncate(string(line)))
			}
			flush()
			key = k
			val.Reset()
			val.Write(v)
		}
	}
	flush()
	return s, s.sortAttrs()
}

// sortAttrs sorts the attributes by key, rejecting a repeated one.
func (s *Section) sortAttrs() error {
	slices.SortStableFunc(s.Attrs, func(x, y Attr) int { return cmp.Compare(x.Key, y.Key) })
	for i := 1; i < len(s.Attrs); i++ {
		if s.Attrs[i].Key == s.Attrs[i-1].Key {
			return invalid("manifest section repeats attribute %q", truncate(s.Attrs[i].Key))
		}
	}
	s.Name, _ = s.Attrs.Get("name")
	return nil
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
