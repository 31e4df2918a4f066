package pins

import (
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/safetext"
)

func invalidf(format string, a ...any) error { return fault.New(fault.Invalid, format, a...) }

func networkf(format string, a ...any) error { return fault.New(fault.Network, format, a...) }

// truncate shortens s to at most n runes and escapes control and invisible
// characters, so that hostile input cannot flood or rewrite the terminal
// through an error or a certificate's name.
func truncate(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return safetext.Escape(s[:i]) + "…"
		}
		count++
	}
	return safetext.Escape(s)
}
