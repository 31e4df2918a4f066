package auth

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

// A location may carry a TLS pin in its fragment; nothing else may follow
// the URL, and an old-style location (no fragment) means the same as before.
func TestLocationPins(t *testing.T) {
	pin := TLSPin([]byte("spki"))
	pinned := WithPin("https://127.0.0.1:8443", pin)
	for _, tt := range []struct {
		loc string
		ok  bool
	}{
		{"https://127.0.0.1:8443", true},
		{pinned, true},
		{"https://approov.example.com/base", true},
		{"https://127.0.0.1:8443#", false},
		{"https://127.0.0.1:8443#pin-sha256=", false},
		{"https://127.0.0.1:8443#pin-sha256=" + strings.Repeat("A", 42), false},
		{"https://127.0.0.1:8443#pin-sha512=" + strings.Repeat("A", 43), false},
		{pinned + "x", false},
		{"https://127.0.0.1:8443#other", false},
		{"https://127.0.0.1:8443?x=1", false},
		{"https://127.0.0.1:8443?", false},
		{"http://127.0.0.1:8443" + pinned[len("https://127.0.0.1:8443"):], false},
	} {
		if err := ValidateLocations([]string{tt.loc}); (err == nil) != tt.ok {
			t.Errorf("ValidateLocations(%q) = %v, want ok=%v", tt.loc, err, tt.ok)
		}
	}
	base, got, err := SplitPin(pinned)
	if err != nil || base != "https://127.0.0.1:8443" || !bytes.Equal(got, pin) || len(got) != sha256.Size {
		t.Fatalf("SplitPin(%q) = %q, %x, %v", pinned, base, got, err)
	}
	if _, got, err := SplitPin("https://a.example"); err != nil || got != nil {
		t.Fatalf("SplitPin without pin: %x, %v", got, err)
	}
}

// A code carrying a pinned location round-trips it exactly, in any case.
func TestCodeCarriesPin(t *testing.T) {
	loc := WithPin("https://127.0.0.1:8443", TLSPin([]byte("spki")))
	c, err := NewCode("acme", []string{loc, "https://b.example.com"}, testFingerprint())
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseCode(strings.ToUpper(c.String()))
	if err != nil || got.Backend[0] != loc {
		t.Fatalf("ParseCode: %v, %v", got.Backend, err)
	}
}
