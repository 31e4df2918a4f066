package pins

import (
	"strings"
	"unicode"

	"github.com/approov-cli/approov/internal/fault"
)

func invalidf(format string, a ...any) error { return fault.New(fault.Invalid, format, a...) }

func networkf(format string, a ...any) error { return fault.New(fault.Network, format, a...) }

// truncate shortens s to at most n runes and replaces control characters, so
// that hostile input cannot flood or rewrite the terminal through an error.
func truncate(s string, n int) string {
	var b strings.Builder
	count := 0
	for _, r := range s {
		if count == n {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			r = '?'
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}
