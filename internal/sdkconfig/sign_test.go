package sdkconfig_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	key := testKey(t)
	full := sampleConfig(t)
	reversed := sampleConfig(t)
	reversed.Domains[0], reversed.Domains[1] = reversed.Domains[1], reversed.Domains[0]
	tests := []struct {
		name string
		in   sdkconfig.Config
	}{
		{"full", full},
		{"domains given unsorted", reversed},
		{"no domains", sdkconfig.Config{Account: "a", Version: 1, IssuedAt: t0, Domains: []sdkconfig.Domain{}}},
		{"pinning disabled", sdkconfig.Config{Account: "acct-x1", Version: sdkconfig.MaxVersion, IssuedAt: t0, Domains: []sdkconfig.Domain{}, PinningDisabled: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := sdkconfig.Sign(key, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sdkconfig.Verify(tok, &key.PublicKey, sdkconfig.VerifyOptions{Account: tt.in.Account, MinVersion: tt.in.Version})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.in
			if tt.name == "domains given unsorted" {
				want = full
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Verify gave\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// The wire form is the one docs/sdk-config.md shows.
func TestSignWireForm(t *testing.T) {
	key := testKey(t)
	tok, err := sdkconfig.Sign(key, sampleConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	h, _ := b64.DecodeString(parts[0])
	p, _ := b64.DecodeString(parts[1])
	s, _ := b64.DecodeString(parts[2])
	if string(h) != header(t, key) {
		t.Fatalf("header %s", h)
	}
	want := `{"schema":1,"account":"acme","version":7,"iat":1796126400,"domains":[` +
		`{"domain":"api.acme.com","token":true,"pinning":true,"include_subdomains":true,"expires":"2030-01-31","pins":["` + pinA + `","` + pinB + `"]},` +
		`{"domain":"secrets.example.net","token":false,"pinning":false,"include_subdomains":false,"pins":[]}]}`
	if string(p) != want {
		t.Fatalf("payload\n%s\nwant\n%s", p, want)
	}
	if len(s) != 64 {
		t.Fatalf("signature is %d bytes", len(s))
	}
	if !strings.HasSuffix(header(t, key), `"typ":"approov-sdk-config+jwt"}`) || !json.Valid(h) {
		t.Fatal("header")
	}
}

func TestSignRefuses(t *testing.T) {
	key := testKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	mod := func(f func(*sdkconfig.Config)) sdkconfig.Config {
		c := sampleConfig(t)
		f(&c)
		return c
	}
	many := make([]pins.Pin, 33)
	for i := range many {
		many[i][0] = byte(i)
	}
	tests := []struct {
		name string
		key  *ecdsa.PrivateKey
		c    sdkconfig.Config
		want string
	}{
		{"nil key", nil, sampleConfig(t), "not a P-256 key"},
		{"P-384 key", p384, sampleConfig(t), "not a P-256 key"},
		{"no account", key, mod(func(c *sdkconfig.Config) { c.Account = "" }), `account "" is not a valid account id`},
		{"bad account", key, mod(func(c *sdkconfig.Config) { c.Account = "Acme Inc" }), `account "Acme Inc"`},
		{"version 0", key, mod(func(c *sdkconfig.Config) { c.Version = 0 }), "version 0 is not between 1 and 9007199254740991"},
		{"version too big", key, mod(func(c *sdkconfig.Config) { c.Version = sdkconfig.MaxVersion + 1 }), "version 9007199254740992"},
		{"unnormalised domain", key, mod(func(c *sdkconfig.Config) { c.Domains[0].Name = "API.acme.com" }), `domain "API.acme.com" is not a normalised host name`},
		{"wildcard domain", key, mod(func(c *sdkconfig.Config) { c.Domains[0].Name = "*.acme.com" }), `domain "*.acme.com"`},
		{"duplicate domain", key, mod(func(c *sdkconfig.Config) { c.Domains[1] = c.Domains[0] }), "appears twice in the configuration"},
		{"duplicate pin", key, mod(func(c *sdkconfig.Config) { c.Domains[0].Pins[1] = c.Domains[0].Pins[0] }), "pin " + pinA + " appears twice"},
		{"pinned without pins", key, mod(func(c *sdkconfig.Config) { c.Domains[0].Pins = nil }), "pinned but has no pins"},
		{"pins without pinning", key, mod(func(c *sdkconfig.Config) { c.Domains[0].Pinning = false }), "has pins but pinning is off"},
		{"bad expiry", key, mod(func(c *sdkconfig.Config) { c.Domains[0].Expires = "31/01/2030" }), `expires "31/01/2030" is not a date`},
		{"expiry without pinning", key, mod(func(c *sdkconfig.Config) { c.Domains[1].Expires = "2030-01-31" }), "pin expiry but pinning is off"},
		{"too many pins", key, mod(func(c *sdkconfig.Config) { c.Domains[0].Pins = many }), "has 33 pins; at most 32"},
		{"too many domains", key, mod(func(c *sdkconfig.Config) { c.Domains = manyDomains(1001) }), "has 1001 domains; at most 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := sdkconfig.Sign(tt.key, tt.c)
			checkInvalid(t, err)
			if tok != "" || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %q, %v; want %q", tok, err, tt.want)
			}
		})
	}
}

func manyDomains(n int) []sdkconfig.Domain {
	out := make([]sdkconfig.Domain, n)
	for i := range out {
		out[i] = sdkconfig.Domain{Name: "d" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ".example.com", Token: true}
	}
	return out
}

// The largest configuration the bounds allow signs, verifies and fits.
func TestLargestConfiguration(t *testing.T) {
	key := testKey(t)
	c := sdkconfig.Config{Account: "acme", Version: 1, IssuedAt: t0, Domains: manyDomains(pins.MaxDomains)}
	for i := range c.Domains {
		c.Domains[i].Pinning = true
		for j := range pins.MaxPinsPerDomain {
			c.Domains[i].Pins = append(c.Domains[i].Pins, pins.Pin{byte(j), byte(i), byte(i >> 8)})
		}
	}
	tok, err := sdkconfig.Sign(key, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdkconfig.Verify(tok, &key.PublicKey, sdkconfig.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("largest configuration: %d bytes of %d allowed", len(tok), sdkconfig.MaxConfigSize)
}

func TestDomainFromPins(t *testing.T) {
	d := pins.Domain{Name: "api.acme.com", IncludeSubdomains: true, Expires: "2030-01-31", Pins: []pins.PinEntry{
		{SHA256: pin(t, pinA), Label: pins.Primary, Type: pins.Leaf, Comment: "where the key lives"},
		{SHA256: pin(t, pinB), Label: pins.Backup, Type: pins.Leaf},
	}}
	got := sdkconfig.DomainFromPins(d, true)
	want := sdkconfig.Domain{Name: "api.acme.com", Token: true, Pinning: true, IncludeSubdomains: true, Expires: "2030-01-31", Pins: []pins.Pin{pin(t, pinA), pin(t, pinB)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
}
