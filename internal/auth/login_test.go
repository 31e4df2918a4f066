package auth

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/role"
)

func TestLoginStatement(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	sess, _, _ := ed25519.GenerateKey(nil)
	st := LoginStatement{Account: "acme", User: "a@example.com", Role: role.Admin, Challenge: []byte("challenge"), SessionKey: sess}
	sig := SignLogin(priv, st)
	if !VerifyLogin(pub, st, sig) {
		t.Fatal("valid statement rejected")
	}
	other, _, _ := ed25519.GenerateKey(nil)
	variants := []LoginStatement{
		{"other", st.User, st.Role, st.Challenge, st.SessionKey},
		{st.Account, "b@example.com", st.Role, st.Challenge, st.SessionKey},
		{st.Account, st.User, role.Dev, st.Challenge, st.SessionKey},
		{st.Account, st.User, st.Role, []byte("challengf"), st.SessionKey},
		{st.Account, st.User, st.Role, st.Challenge, other},
		// shifting bytes between fields must not keep the signature valid
		{"acmea", "@example.com", st.Role, st.Challenge, st.SessionKey},
	}
	for i, v := range variants {
		if VerifyLogin(pub, v, sig) {
			t.Errorf("variant %d verified", i)
		}
	}
	if VerifyLogin(pub, LoginStatement{Challenge: st.Challenge, SessionKey: sess[:10]}, sig) {
		t.Error("short session key accepted")
	}
	// A login signature is not a recovery proof, and vice versa.
	rs := RecoveryStatement{CodeID: "x", NewPIN: sess}
	if VerifyRecovery(pub, rs, sig) || !VerifyRecovery(pub, rs, SignRecovery(priv, rs)) {
		t.Error("recovery proofs must be separate from login signatures")
	}
}

func TestFakeSalt(t *testing.T) {
	secret := []byte("service secret")
	a := FakeSalt(secret, "acme", "ghost@example.com", role.Admin)
	if !bytes.Equal(a, FakeSalt(secret, "acme", "ghost@example.com", role.Admin)) || len(a) != SaltSize {
		t.Fatal("fake salt must be stable and salt-sized")
	}
	for _, b := range [][]byte{
		FakeSalt(secret, "acme", "ghost@example.com", role.Dev),
		FakeSalt(secret, "acme", "other@example.com", role.Admin),
		FakeSalt([]byte("another secret"), "acme", "ghost@example.com", role.Admin),
	} {
		if bytes.Equal(a, b) {
			t.Fatal("fake salts must depend on user, role and secret")
		}
	}
}

func TestPIN(t *testing.T) {
	p := NewPIN()
	if len(p) != 14 || strings.Count(p, "-") != 2 {
		t.Fatalf("PIN %q not in ####-####-#### form", p)
	}
	d, err := NormalizePIN(" " + p + "\n")
	if err != nil || len(d) != 12 {
		t.Fatalf("NormalizePIN(%q) = %q, %v", p, d, err)
	}
	for _, bad := range []string{"", "1234", "1234-5678-901a", "1234-5678-90123"} {
		if _, err := NormalizePIN(bad); err == nil {
			t.Errorf("NormalizePIN(%q) accepted", bad)
		}
	}
	if NewPIN() == p {
		t.Error("PINs must be random")
	}
}

func TestFingerprint(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	f := FingerprintOf(pub)
	if !f.Matches(pub) || f.Matches(pub[:31]) {
		t.Fatal("Matches wrong")
	}
	g, err := ParseFingerprint(f.String())
	if err != nil || g != f || !strings.HasPrefix(f.String(), "SHA256:") {
		t.Fatalf("round trip %s: %v", f, err)
	}
	for _, bad := range []string{"", "SHA256:", "MD5:abc", "SHA256:" + strings.Repeat("A", 44)} {
		if _, err := ParseFingerprint(bad); err == nil {
			t.Errorf("ParseFingerprint(%q) accepted", bad)
		}
	}
}
