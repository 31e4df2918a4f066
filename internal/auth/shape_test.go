package auth

import (
	"strings"
	"testing"
)

func TestShape(t *testing.T) {
	tok, err := NewManagementToken("demo", "ci@example.com", []string{"local:/x"}, Fingerprint{1})
	if err != nil {
		t.Fatal(err)
	}
	code, err := NewCode("demo", []string{"local:/x"}, Fingerprint{1})
	if err != nil {
		t.Fatal(err)
	}
	tb := strings.TrimPrefix(tok.String(), TokenPrefix)
	cb := strings.TrimPrefix(code.String(), CodePrefix)
	for in, want := range map[string]string{
		tok.String():              "a management token (aom_…)",
		code.String():             "an onboarding code (aoc_…)",
		tb:                        "a management token without its aom_ prefix",
		strings.ToUpper(tb):       "a management token without its aom_ prefix",
		"'" + tb + "'":            "a management token without its aom_ prefix",
		"aom-" + tb:               "a management token with a damaged aom_ prefix",
		cb:                        "an onboarding code without its aoc_ prefix",
		"aoc" + cb:                "an onboarding code with a damaged aoc_ prefix",
		tb[:40]:                   "a secret (a long base32 string, maybe a code or token without its prefix)",
		"code.txt":                "",
		"/home/me/ci.token":       "",
		"https://example.com/":    "",
		"C:\\Users\\me\\ci.token": "",
	} {
		if got := Shape(in); got != want {
			t.Errorf("Shape(%.12q…) = %q, want %q", in, got, want)
		}
	}
}
