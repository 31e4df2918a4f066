package auth

import (
	"regexp"
	"strings"
	"testing"
)

func TestValidAccountID(t *testing.T) {
	grammar := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	cases := []string{"", "a", "0", "-", "-a", "a-", "acme", "ACME", "ac me", "acme\n", "ac_me", "é",
		strings.Repeat("a", 40), strings.Repeat("a", 41), "a" + strings.Repeat("-", 39), "a\x00b"}
	for _, s := range cases {
		if got, want := ValidAccountID(s), grammar.MatchString(s); got != want {
			t.Errorf("ValidAccountID(%q) = %v, the grammar says %v", s, got, want)
		}
	}
}

func FuzzValidAccountID(f *testing.F) {
	grammar := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	f.Add("acme")
	f.Add("-x")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidAccountID(s), grammar.MatchString(s); got != want {
			t.Fatalf("ValidAccountID(%q) = %v, the grammar says %v", s, got, want)
		}
	})
}
