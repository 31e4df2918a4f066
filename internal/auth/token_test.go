package auth

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
)

func TestManagementTokenRoundTrip(t *testing.T) {
	fp := testFingerprint()
	tok, err := NewManagementToken("acme", "ci@example.com", []string{"https://api.example.com"}, fp)
	if err != nil {
		t.Fatal(err)
	}
	s := tok.String()
	if !strings.HasPrefix(s, TokenPrefix) {
		t.Fatalf("token %q lacks prefix", s)
	}
	got, err := ParseManagementToken(" " + strings.ToUpper(s) + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if got.Account != "acme" || got.User != "ci@example.com" || got.ServiceKey != fp || !bytes.Equal(got.Seed, tok.Seed) ||
		got.Backend[0] != "https://api.example.com" || !got.PublicKey().Equal(tok.PublicKey()) {
		t.Fatalf("round trip: %+v", got)
	}
	for i := range len(s) {
		typo := s[:i] + string(rune('z'-(s[i]%2))) + s[i+1:]
		if typo == s {
			continue
		}
		if _, err := ParseManagementToken(typo); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("typo at %d: %v", i, err)
		}
	}
	if _, err := ParseManagementToken("aoc_" + s[4:]); err == nil {
		t.Fatal("a token with a code prefix parsed")
	}
}

func TestNewManagementTokenValidates(t *testing.T) {
	fp := testFingerprint()
	if _, err := NewManagementToken("", "u", []string{"https://x.example"}, fp); err == nil {
		t.Error("empty account accepted")
	}
	if _, err := NewManagementToken("a", strings.Repeat("u", 256), []string{"https://x.example"}, fp); err == nil {
		t.Error("long user accepted")
	}
	if _, err := NewManagementToken("a", "u", []string{"local:x"}, fp); err == nil {
		t.Error("relative local path accepted")
	}
}

func FuzzParseManagementToken(f *testing.F) {
	tok, _ := NewManagementToken("acme", "ci", []string{"local:/x.db"}, Fingerprint{9})
	f.Add(tok.String())
	f.Add("aom_")
	f.Add("aom_00000000")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseManagementToken(s)
		if err != nil {
			checkParseErr(t, s, err)
			return
		}
		again, err := ParseManagementToken(tok.String())
		if err != nil || again.User != tok.User || !bytes.Equal(again.Seed, tok.Seed) || again.Account != tok.Account ||
			!slices.Equal(again.Backend, tok.Backend) || again.ServiceKey != tok.ServiceKey || again.String() != tok.String() {
			t.Fatalf("a parsed token does not round-trip: %v", err)
		}
	})
}
