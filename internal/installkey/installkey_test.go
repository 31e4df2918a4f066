package installkey

import (
	"bytes"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
)

func TestSignVerify(t *testing.T) {
	for _, typ := range []string{Ed25519, P256} {
		k, err := Generate(typ)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := Parse(typ, k.PublicBytes())
		if err != nil {
			t.Fatal(err)
		}
		sig, err := k.Sign([]byte("report"))
		if err != nil {
			t.Fatal(err)
		}
		if !pub.Verify([]byte("report"), sig) || pub.Verify([]byte("other"), sig) {
			t.Errorf("%s: a signature verifies only its message", typ)
		}
		bad := bytes.Clone(sig)
		bad[len(bad)/2] ^= 1
		if pub.Verify([]byte("report"), bad) || pub.Verify([]byte("report"), append(bytes.Clone(sig), make([]byte, 80)...)) {
			t.Errorf("%s: a damaged or padded signature verified", typ)
		}
		if len(pub.ID()) != IDLength || pub.ID() != k.Public().ID() || len(pub.IPK()) != 44 {
			t.Errorf("%s: id %q, ipk %q", typ, pub.ID(), pub.IPK())
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tt := range []struct {
		typ string
		raw []byte
	}{
		{Ed25519, make([]byte, 31)},
		{P256, make([]byte, 65)}, // not a point on the curve
		{P256, append([]byte{2}, make([]byte, 32)...)},
		{"rsa", make([]byte, 32)},
	} {
		if _, err := Parse(tt.typ, tt.raw); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s %d bytes: %v", tt.typ, len(tt.raw), err)
		}
	}
}

func TestSeedRoundTrip(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	a, _ := Ed25519FromSeed(seed)
	b, _ := Ed25519FromSeed(seed)
	if a.Public().ID() != b.Public().ID() {
		t.Fatal("the same seed gave two installations")
	}
	if _, err := Ed25519FromSeed(seed[:31]); err == nil {
		t.Fatal("a short seed was accepted")
	}
}
