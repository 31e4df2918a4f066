package session

import (
	"regexp"
	"strings"
	"testing"
)

func TestValidSecretName(t *testing.T) {
	grammar := regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
	cases := []string{"", "a", "session-abc", "Session_1.2", "a/b", "../x", "a b", "a\n", "é",
		strings.Repeat("x", 128), strings.Repeat("x", 129), "a\x00"}
	for _, s := range cases {
		if got, want := validSecretName(s), grammar.MatchString(s); got != want {
			t.Errorf("validSecretName(%q) = %v, the grammar says %v", s, got, want)
		}
	}
}
