package sdkconfig_test

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

var b64 = base64.RawURLEncoding

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// testKey is the committed test-only configuration key (testdata/).
func testKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile("testdata/test-config-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(*ecdsa.PrivateKey)
}

func otherKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := sdkconfig.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func pin(t testing.TB, s string) pins.Pin {
	t.Helper()
	p, _, err := pins.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	pinA = "0VRYEPLFy7RCSeO6n1N28Lb4uLOsy1OU/y7gyZiShqQ="
	pinB = "29Fvxv+durZ2LqzzDU6bq1JZHNvx40kQJj32Fs9gEm4="
)

func sampleConfig(t testing.TB) sdkconfig.Config {
	return sdkconfig.Config{
		Account:  "acme",
		Version:  7,
		IssuedAt: t0,
		Domains: []sdkconfig.Domain{
			{Name: "api.acme.com", Token: true, Pinning: true, IncludeSubdomains: true, Expires: "2030-01-31", Pins: []pins.Pin{pin(t, pinA), pin(t, pinB)}},
			{Name: "secrets.example.net", Token: false, Pinning: false, Pins: []pins.Pin{}},
		},
	}
}

// signRaw signs any header and payload JSON with ES256: the forger's tool
// for payloads Sign would refuse.
func signRaw(t testing.TB, header, payload string, key *ecdsa.PrivateKey) string {
	t.Helper()
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodES256.Sign(input, key)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

// header is the header Sign writes for key.
func header(t testing.TB, key *ecdsa.PrivateKey) string {
	p, err := sdkconfig.KeyPin(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return `{"alg":"ES256","kid":"` + p.String() + `","typ":"approov-sdk-config+jwt"}`
}

// checkInvalid asserts err is an Invalid error of one short line.
func checkInvalid(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if k := fault.KindOf(err); k != fault.Invalid {
		t.Fatalf("kind %v, want invalid: %v", k, err)
	}
	if msg := err.Error(); len(msg) > 400 || strings.ContainsAny(msg, "\n\r\x1b") {
		t.Fatalf("error is not one short line: %q", msg)
	}
}
