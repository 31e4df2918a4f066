package safetext

import "testing"

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, with spaces": "plain text, with spaces",
		`C:\Users\me`:             `C:\Users\me`,
		"café 日本":                 "café 日本",
		"a\nok Joined account x":  `a\nok Joined account x`,
		"\r\x1b[2K\x1b[1A":        `\r\x1b[2K\x1b[1A`,
		"tab\there":               `tab\there`,
		"\x00\x07\x7f":            `\x00\a\x7f`,
		"bidi \u202eexe.gpj":      `bidi \u202eexe.gpj`,
		"c1 \u009b31m":            `c1 \u009b31m`,
		"bad \xff\xfe utf8":       `bad \xff\xfe utf8`,
		"zero\u200bwidth":         `zero\u200bwidth`,
		"":                        "",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if Printable(in) != (in == want) {
			t.Errorf("Printable(%q) = %v", in, Printable(in))
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("a\x1b[31mb\r\n\xff")
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !isSafe(e) && !Printable(e) {
			t.Fatalf("Escape(%q) = %q still holds unprintable runes", s, e)
		}
	})
}
