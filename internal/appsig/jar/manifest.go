// Package jar verifies JAR (APK v1) signatures: the PKCS#7 signature over
// each .SF file, the .SF digests over META-INF/MANIFEST.MF and the manifest
// digests over every entry of the archive.
package jar

import (
	"bytes"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
)

// maxSections bounds the sections of one manifest or .SF file.
const maxSections = 1_000_000

// Section is one blank-line-separated block of a manifest or .SF file.
type Section struct {
	Name  string            // value of the "Name" attribute; "" for the main section
	Attrs map[string]string // attribute names are case-insensitive: keys are lower-cased
	Raw   []byte            // exact bytes including the terminating blank line, as digested by .SF files
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
	m := &Manifest{ByName: map[string]*Section{}}
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
		if len(m.Sections) >= maxSections {
			return nil, invalid("manifest has too many sections")
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
	s := Section{Attrs: map[string]string{}, Raw: raw}
	var key, dup string
	var val strings.Builder
	flush := func() {
		if key == "" {
			return
		}
		k := strings.ToLower(key)
		if _, seen := s.Attrs[k]; seen {
			dup = key
		}
		s.Attrs[k] = val.String()
	}
	for b := raw; len(b) > 0; {
		n := lineEnd(b)
		line := string(bytes.TrimRight(b[:n], "\r\n"))
		b = b[n:]
		switch {
		case line == "":
		case line[0] == ' ':
			if key == "" {
				return s, invalid("manifest continuation line without an attribute")
			}
			val.WriteString(line[1:])
		default:
			k, v, ok := strings.Cut(line, ": ")
			if !ok || k == "" {
				return s, invalid("malformed manifest line %q", truncate(line))
			}
			flush()
			key = k
			val.Reset()
			val.WriteString(v)
		}
	}
	flush()
	if dup != "" {
		return s, invalid("manifest section repeats attribute %q", dup)
	}
	s.Name = s.Attrs["name"]
	return s, nil
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
