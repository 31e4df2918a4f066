package auth

import (
	"bytes"
	"crypto/ed25519"
	"slices"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
)

func testFingerprint() Fingerprint {
	pub, _, _ := ed25519.GenerateKey(nil)
	return FingerprintOf(pub)
}

func TestCodeRoundTrip(t *testing.T) {
	fp := testFingerprint()
	for _, locs := range [][]string{
		{"local:/home/ann/.approov/local/acme.db"},
		{"https://a.example.com", "https://b.example.com:8443/base"},
	} {
		c, err := NewCode("acme", locs, fp)
		if err != nil {
			t.Fatal(err)
		}
		s := c.String()
		if !strings.HasPrefix(s, "aoc_"+c.ID+".") {
			t.Fatalf("code %q does not start with aoc_<id>.", s)
		}
		for _, variant := range []string{s, strings.ToUpper(s), "  " + s + "\n"} {
			got, err := ParseCode(variant)
			if err != nil {
				t.Fatalf("ParseCode(%q): %v", variant, err)
			}
			if got.ID != c.ID || !bytes.Equal(got.Secret, c.Secret) || got.Account != "acme" ||
				got.ServiceKey != fp || strings.Join(got.Backend, " ") != strings.Join(locs, " ") {
				t.Fatalf("round trip: got %+v, want %+v", got, c)
			}
			if !got.PublicKey().Equal(c.PublicKey()) {
				t.Fatal("code key not reproducible")
			}
		}
	}
}

// TestCodeEveryTypoCaught changes each character of a code to each other
// character of the alphabet: no variant may parse.
func TestCodeEveryTypoCaught(t *testing.T) {
	c, _ := NewCode("acme", []string{"local:/tmp/x.db"}, testFingerprint())
	s := c.String()
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz_."
	for i := range len(s) {
		for _, r := range alphabet {
			if byte(r) == s[i] {
				continue
			}
			typo := s[:i] + string(r) + s[i+1:]
			if _, err := ParseCode(typo); err == nil {
				t.Fatalf("typo at %d (%q→%q) parsed", i, s[i], r)
			} else if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("typo error kind %v", fault.KindOf(err))
			}
		}
	}
	// dropped and doubled characters
	for i := range len(s) {
		if _, err := ParseCode(s[:i] + s[i+1:]); err == nil {
			t.Fatalf("code with character %d dropped parsed", i)
		}
		if _, err := ParseCode(s[:i] + s[i:i+1] + s[i:]); err == nil {
			t.Fatalf("code with character %d doubled parsed", i)
		}
	}
}

func TestCodeErrorsNeverEchoSecret(t *testing.T) {
	c, _ := NewCode("acme", []string{"local:/tmp/x.db"}, testFingerprint())
	s := c.String()
	body := s[strings.IndexByte(s, '.')+1:]
	bad := s[:len(s)-1] + "0"
	if bad == s {
		bad = s[:len(s)-1] + "1"
	}
	_, err := ParseCode(bad)
	if err == nil || strings.Contains(err.Error(), body[:10]) {
		t.Fatalf("error %v echoes the secret part", err)
	}
}

func TestNewCodeRejectsBadLocations(t *testing.T) {
	fp := testFingerprint()
	for _, locs := range [][]string{
		nil,
		{"local:relative/path.db"},
		{"local:/a.db", "local:/b.db"},
		{"http://plain.example.com"},
		{"https://user:pw@example.com"},
		{"ftp://x"},
		{strings.Repeat("https://x", 9)[:8]},
		make([]string, 9),
	} {
		if _, err := NewCode("acme", locs, fp); err == nil {
			t.Errorf("NewCode accepted locations %q", locs)
		}
	}
	if _, err := NewCode("", []string{"https://x.example"}, fp); err == nil {
		t.Error("NewCode accepted an empty account")
	}
}

func TestCodeWrongShapes(t *testing.T) {
	for _, s := range []string{"", "aoc_", "aoc_abc.def", "aom_xyz", "aoc_0123456789abc", strings.Repeat("a", maxEncoded+1), "aoc_0123456789abc.!!!"} {
		if _, err := ParseCode(s); fault.KindOf(err) != fault.Invalid {
			t.Errorf("ParseCode(%.20q) = %v, want invalid", s, err)
		}
	}
}

func FuzzParseCode(f *testing.F) {
	c, _ := NewCode("acme", []string{"https://a.example.com", "https://b.example.com"}, Fingerprint{1, 2, 3})
	f.Add(c.String())
	f.Add("aoc_0123456789abc.0000")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ParseCode(s)
		if err != nil {
			checkParseErr(t, s, err)
			return
		}
		again, err := ParseCode(code.String())
		if err != nil || again.ID != code.ID || !bytes.Equal(again.Secret, code.Secret) || again.Account != code.Account ||
			!slices.Equal(again.Backend, code.Backend) || again.ServiceKey != code.ServiceKey || again.String() != code.String() {
			t.Fatalf("a parsed code does not round-trip: %v", err)
		}
	})
}

// A hostile code or token cannot smuggle shell or terminal syntax in its
// account id, which approov prints in shell lines and messages.
func TestAccountIDChecked(t *testing.T) {
	fp := testFingerprint()
	for _, acct := range []string{"demo&calc", "x\n", "demo;rm -rf ~", "\x1b[2J", "Acme", "-x"} {
		if _, err := NewCode(acct, []string{"local:/x.db"}, fp); err == nil {
			t.Errorf("NewCode(%q) accepted", acct)
		}
		if _, err := NewManagementToken(acct, "ci@example.com", []string{"local:/x.db"}, fp); err == nil {
			t.Errorf("NewManagementToken(%q) accepted", acct)
		}
		c := Code{ID: "0123456789abc", Secret: make([]byte, codeSecretSize), Account: acct, Backend: []string{"local:/x.db"}, ServiceKey: fp}
		if _, err := ParseCode(c.String()); fault.KindOf(err) != fault.Invalid {
			t.Errorf("ParseCode with account %q: %v", acct, err)
		}
		tok := ManagementToken{Account: acct, User: "ci@example.com", Backend: []string{"local:/x.db"}, ServiceKey: fp, Seed: make([]byte, 32)}
		if _, err := ParseManagementToken(tok.String()); fault.KindOf(err) != fault.Invalid {
			t.Errorf("ParseManagementToken with account %q: %v", acct, err)
		}
	}
}

// checkParseErr: a rejected code or token is an Invalid error of one line
// that does not echo the secret it was given.
func checkParseErr(t *testing.T, s string, err error) {
	t.Helper()
	msg := err.Error()
	if fault.KindOf(err) != fault.Invalid || strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error %q of kind %v", msg, fault.KindOf(err))
	}
	if len(s) >= 24 && strings.Contains(msg, s) {
		t.Fatalf("error %q echoes the whole input", msg)
	}
}

// A crafted code or token whose location or user holds ESC, CR, LF or an
// invisible rune is refused: printed, it could fake an "ok Joined …" line
// (issue 8, defect 5). The checksum is public, so anyone can make one.
func TestControlCharactersRefused(t *testing.T) {
	fp := testFingerprint()
	for _, loc := range []string{"local:/tmp/x\x1b[2K\rok Joined account demo", "local:/tmp/x\ny", "local:/tmp/\u202ebd.x", "https://example.com/\x1b[31m", "local:/tmp/\xff"} {
		if _, err := NewCode("acme", []string{loc}, fp); err == nil {
			t.Errorf("NewCode accepted location %q", loc)
		}
		c := Code{ID: "0123456789abc", Secret: make([]byte, codeSecretSize), Account: "acme", Backend: []string{loc}, ServiceKey: fp}
		_, err := ParseCode(c.String())
		if fault.KindOf(err) != fault.Invalid || strings.ContainsAny(err.Error(), "\x1b\r\n\u202e") {
			t.Errorf("ParseCode with location %q: %v", loc, err)
		}
		tok := ManagementToken{Account: "acme", User: "ci@example.com", Backend: []string{loc}, ServiceKey: fp, Seed: make([]byte, 32)}
		if _, err := ParseManagementToken(tok.String()); fault.KindOf(err) != fault.Invalid {
			t.Errorf("ParseManagementToken with location %q: %v", loc, err)
		}
	}
	for _, user := range []string{"ci@example.com\n\x1b[1Aok", "ci\r@x", "\u202eci"} {
		tok := ManagementToken{Account: "acme", User: user, Backend: []string{"local:/x.db"}, ServiceKey: fp, Seed: make([]byte, 32)}
		if _, err := ParseManagementToken(tok.String()); fault.KindOf(err) != fault.Invalid {
			t.Errorf("ParseManagementToken with user %q: %v", user, err)
		}
		if _, err := NewManagementToken("acme", user, []string{"local:/x.db"}, fp); err == nil {
			t.Errorf("NewManagementToken accepted user %q", user)
		}
	}
}
