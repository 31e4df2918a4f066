package apitoken

import (
	"crypto/rand"
	"net/netip"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/approov-cli/approov/internal/fault"
)

// Type says whether an example token is signed with the account secret.
type Type string

// Token types.
const (
	Valid   Type = "valid"   // signed with the account secret
	Invalid Type = "invalid" // same shape, signed with a random key: what failing apps get
)

// Defaults and bounds of example tokens.
const (
	DefaultTTL      = time.Hour // as the original CLI's examples
	MaxTTL          = 366 * 24 * time.Hour
	DefaultIP       = "1.2.3.4"
	DefaultDeviceID = "ExampleApproovTokenDID=="
)

// ExampleOptions shape an example token. Zero values take the defaults.
type ExampleOptions struct {
	Type     Type          // Valid when empty
	Bind     []byte        // when non-nil, pay = PayloadHash(Bind); empty data binds too
	TTL      time.Duration // DefaultTTL when zero
	DeviceID string        // DefaultDeviceID when empty
	IP       string        // DefaultIP when empty
	Now      time.Time     // time.Now() when zero
}

// claims is the payload, in the order the Approov service writes it.
type claims struct {
	jwt.RegisteredClaims        // only exp is set
	IP                   string `json:"ip"`
	DID                  string `json:"did"`
	Pay                  string `json:"pay,omitempty"`
}

// Example returns a token like those the Approov service issues for an API
// domain: HS256 over {exp, ip, did[, pay]} with header kid when kid is set.
// An Invalid token has the same header, claims and length, but its key is
// random, so every backend must refuse it.
func Example(secret []byte, kid string, opts ExampleOptions) (string, error) {
	if err := checkSecret(secret); err != nil {
		return "", err
	}
	if err := checkKeyID(kid); err != nil {
		return "", err
	}
	c, err := opts.claims()
	if err != nil {
		return "", err
	}
	key, err := opts.key(secret)
	if err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	return tok.SignedString(key)
}

func (o ExampleOptions) claims() (claims, error) {
	c := claims{IP: o.IP, DID: o.DeviceID}
	if c.IP == "" {
		c.IP = DefaultIP
	}
	if c.DID == "" {
		c.DID = DefaultDeviceID
	}
	if _, err := netip.ParseAddr(c.IP); err != nil {
		return c, fault.New(fault.Usage, "ip %s is not an IP address", quote(c.IP))
	}
	if len(c.DID) > MaxDeviceIDLength || !printable(c.DID) {
		return c, fault.New(fault.Usage, "device id is longer than %d bytes or not printable ASCII", MaxDeviceIDLength)
	}
	if o.Bind != nil {
		c.Pay = PayloadHash(o.Bind)
	}
	exp, err := o.expiry()
	c.ExpiresAt = jwt.NewNumericDate(exp)
	return c, err
}

func (o ExampleOptions) expiry() (time.Time, error) {
	ttl, now := o.TTL, o.Now
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < time.Second || ttl > MaxTTL {
		return time.Time{}, fault.New(fault.Usage, "token lifetime %s is not between 1s and %s", ttl, MaxTTL)
	}
	if now.IsZero() {
		now = time.Now()
	}
	return now.Add(ttl), nil
}

// key returns the signing key: the secret, or random bytes of its length.
func (o ExampleOptions) key(secret []byte) ([]byte, error) {
	switch o.Type {
	case Valid, "":
		return secret, nil
	case Invalid:
		key := make([]byte, len(secret))
		rand.Read(key) // never fails (crypto/rand, Go 1.24+)
		return key, nil
	}
	return nil, fault.New(fault.Usage, "token type %s is neither %s nor %s", quote(string(o.Type)), Valid, Invalid)
}
