package sdkconfig_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/sdkconfig"
)

func TestPublicKeyRoundTrip(t *testing.T) {
	key := testKey(t)
	out, err := sdkconfig.MarshalPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("testdata/test-config-key.pub.pem")
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(committed) {
		t.Fatalf("MarshalPublicKey differs from openssl's pkey -pubout:\n%s\n%s", out, committed)
	}
	pub, err := sdkconfig.ParsePublicKey(out)
	if err != nil || !pub.Equal(&key.PublicKey) {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	block, _ := pem.Decode(out)
	p, err := sdkconfig.KeyPin(pub)
	if err != nil || p != sha256.Sum256(block.Bytes) {
		t.Fatalf("KeyPin %s is not the SHA-256 of the SPKI (%v)", p, err)
	}
}

func pemOf(t *testing.T, typ string, key any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func TestParsePublicKeyRefuses(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	good := pemOf(t, "PUBLIC KEY", &testKey(t).PublicKey)
	private, _ := os.ReadFile("testdata/test-config-key.pem")
	tests := map[string]struct{ in, want string }{
		"empty":         {"", "no PEM block found"},
		"DER":           {"\x30\x59\x30\x13", "no PEM block found"},
		"P-384":         {pemOf(t, "PUBLIC KEY", &p384.PublicKey), "not a P-256 ECDSA key"},
		"Ed25519":       {pemOf(t, "PUBLIC KEY", edPub), "not a P-256 ECDSA key"},
		"private key":   {string(private), `PEM block is "PRIVATE KEY", not "PUBLIC KEY"`},
		"certificate":   {strings.ReplaceAll(good, "PUBLIC KEY", "CERTIFICATE"), `PEM block is "CERTIFICATE"`},
		"two blocks":    {good + good, "data follows the public key's PEM block"},
		"garbage DER":   {string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}})), "not a valid SubjectPublicKeyInfo"},
		"oversized":     {strings.Repeat(" ", sdkconfig.MaxPublicKeySize+1), "at most 4096"},
		"trailing junk": {good + "x", "data follows"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			pub, err := sdkconfig.ParsePublicKey([]byte(tt.in))
			checkInvalid(t, err)
			if pub != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want %q", pub, err, tt.want)
			}
		})
	}
	if _, err := sdkconfig.MarshalPublicKey(&p384.PublicKey); err == nil {
		t.Fatal("MarshalPublicKey took a P-384 key")
	}
	if _, err := sdkconfig.KeyPin(nil); err == nil {
		t.Fatal("KeyPin took nil")
	}
}
