// Package safetext makes untrusted text safe to print on a terminal. A
// location, a user name, a certificate subject or a file name inside an
// archive can hold ESC, CR or LF: printed raw, they move the cursor, rewrite
// a line or fake an "ok Joined …" message. Escape writes them as visible
// escapes instead, the way Go's %q does, without adding quotes.
package safetext

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every byte that is not part of a printable rune
// written as an escape: \n, \r, \t, \x1b, \u202e (bidi controls and other
// invisible format runes included), \xff for invalid UTF-8. Printable text,
// spaces and backslashes are kept as they are.
func Escape(s string) string {
	if isSafe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == ' ' || strconv.IsPrint(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRune(r) // '\n', '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// Escapef formats like fmt.Sprintf, then escapes the result: for lines that
// carry untrusted values and no intended control characters.
func Escapef(format string, a ...any) string { return Escape(fmt.Sprintf(format, a...)) }

// isSafe is the fast path: printable ASCII only.
func isSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// Printable reports whether Escape would leave s unchanged.
func Printable(s string) bool { return Escape(s) == s }
