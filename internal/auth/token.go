package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/safetext"
)

// TokenPrefix starts every management token.
const TokenPrefix = "aom_"

const tokenVersion = 1

// ManagementToken is the credential of the automation role: an Ed25519 seed
// plus everything a CI job needs to reach its account, so that
// APPROOV_MANAGEMENT_TOKEN alone is enough. Text form:
//
//	aom_<body>
//
// with <body> the base32 (same alphabet as codes) of
//
//	version(1)=1 | seed(32) | service key fingerprint(32) |
//	len(1) | account | len(1) | user |
//	n(1) | n × (len(2) | location) | checksum(4)
//
// and checksum = SHA-256(transcript("approov-checksum-v1", "aom_", "", payload))[:4].
// The service stores only the public key; the token signs login challenges
// in place of a password-derived key.
type ManagementToken struct {
	Account    string
	User       string
	Backend    []string
	ServiceKey Fingerprint
	Seed       []byte // ed25519.SeedSize bytes
}

// NewManagementToken returns a token with a fresh random seed.
func NewManagementToken(account, user string, backend []string, serviceKey Fingerprint) (ManagementToken, error) {
	if err := ValidateLocations(backend); err != nil {
		return ManagementToken{}, err
	}
	if !ValidAccountID(account) || len(user) == 0 || len(user) > 255 || !safetext.Printable(user) {
		return ManagementToken{}, fault.New(fault.Invalid, "invalid account id, or user not 1..255 printable bytes")
	}
	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	return ManagementToken{Account: account, User: user, Backend: backend, ServiceKey: serviceKey, Seed: seed}, nil
}

// PrivateKey is the token's signing key.
func (t ManagementToken) PrivateKey() ed25519.PrivateKey { return KeyFromSeed(t.Seed) }

// PublicKey is what the service stores at enrolment.
func (t ManagementToken) PublicKey() ed25519.PublicKey {
	return t.PrivateKey().Public().(ed25519.PublicKey)
}

// String renders the token. It is a secret: never log it.
func (t ManagementToken) String() string {
	p := append([]byte{tokenVersion}, t.Seed...)
	p = append(p, t.ServiceKey[:]...)
	p = appendStr8(appendStr8(p, t.Account), t.User)
	p = appendStrings(p, t.Backend)
	return TokenPrefix + seal(TokenPrefix, "", p)
}

// ParseManagementToken parses and checks a token, never echoing it in errors.
func ParseManagementToken(s string) (ManagementToken, error) {
	s = normalize(s)
	body, ok := strings.CutPrefix(s, TokenPrefix)
	if !ok || len(s) > maxEncoded {
		return ManagementToken{}, fault.New(fault.Invalid, "not a management token (want %s…)", TokenPrefix)
	}
	payload, ok := unseal(TokenPrefix, "", body)
	if !ok {
		return ManagementToken{}, fault.New(fault.Invalid, "management token fails its checksum: it is truncated or mistyped")
	}
	r := &reader{b: payload}
	v := r.byte()
	t := ManagementToken{Seed: append([]byte(nil), r.bytes(ed25519.SeedSize)...)}
	copy(t.ServiceKey[:], r.bytes(len(t.ServiceKey)))
	t.Account, t.User, t.Backend = r.str8(), r.str8(), r.strings()
	if v != tokenVersion || !r.done() || t.Account == "" || t.User == "" {
		return ManagementToken{}, fault.New(fault.Invalid, "management token has an unsupported layout (version %d)", v)
	}
	if !ValidAccountID(t.Account) {
		return ManagementToken{}, fault.New(fault.Invalid, "management token names an invalid account id")
	}
	if !safetext.Printable(t.User) {
		return ManagementToken{}, fault.New(fault.Invalid, "management token names a user with control or invisible characters")
	}
	if err := ValidateLocations(t.Backend); err != nil {
		return ManagementToken{}, err
	}
	return t, nil
}
