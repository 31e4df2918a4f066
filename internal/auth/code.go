package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
)

// CodePrefix starts every onboarding (and recovery) code.
const CodePrefix = "aoc_"

const (
	codeVersion    = 1
	codeIDBytes    = 8  // 64-bit public id: listings, audit, lookup
	codeSecretSize = 20 // 160-bit secret
)

// Code is a parsed onboarding code. Its text form is
//
//	aoc_<id>.<body>
//
// where <id> is 13 base32 characters (8 random bytes, public: it appears in
// listings and the audit log) and <body> is the base32 (Crockford alphabet,
// lower case, no padding) of
//
//	version(1)=1 | secret(20) | service key fingerprint(32) |
//	len(1) | account | n(1) | n × (len(2, big endian) | location) | checksum(4)
//
// checksum = SHA-256(transcript("approov-checksum-v1", "aoc_", id, payload))[:4],
// so a mistyped code fails locally before any backend is contacted. The
// service never stores the secret: it keeps only the public half of
// [Code.Key], an Ed25519 key derived from id and secret by SHA-256, and the
// client proves possession by signing its requests with that key.
type Code struct {
	ID         string      // public id, 13 base32 characters
	Secret     []byte      // 20 bytes
	Account    string      // the account the code belongs to
	Backend    []string    // "local:<path>" or https:// URLs
	ServiceKey Fingerprint // fingerprint of the service's signing key
}

// NewCode returns a fresh code naming the given backend and service key.
func NewCode(account string, backend []string, serviceKey Fingerprint) (Code, error) {
	if err := ValidateLocations(backend); err != nil {
		return Code{}, err
	}
	if !ValidAccountID(account) {
		return Code{}, fault.New(fault.Invalid, "invalid account id %q", truncate(account, 60))
	}
	id := make([]byte, codeIDBytes)
	secret := make([]byte, codeSecretSize)
	rand.Read(id)
	rand.Read(secret)
	return Code{ID: b32.EncodeToString(id), Secret: secret, Account: account, Backend: backend, ServiceKey: serviceKey}, nil
}

// String renders the code. It is a secret: never log it.
func (c Code) String() string {
	p := append([]byte{codeVersion}, c.Secret...)
	p = append(p, c.ServiceKey[:]...)
	p = appendStrings(appendStr8(p, c.Account), c.Backend)
	return CodePrefix + c.ID + "." + seal(CodePrefix, c.ID, p)
}

// Key is the proof key derived from the code; the service stores only its
// public half.
func (c Code) Key() ed25519.PrivateKey {
	seed := sha256.Sum256(transcript(purposeCodeKey, []byte(c.ID), c.Secret))
	return KeyFromSeed(seed[:])
}

// PublicKey is the public half of [Code.Key], what the service stores.
func (c Code) PublicKey() ed25519.PublicKey { return c.Key().Public().(ed25519.PublicKey) }

// ParseCode parses and checks a code. Any typo gives a fault.Invalid error
// that never echoes the secret part.
func ParseCode(s string) (Code, error) {
	s = normalize(s)
	if len(s) > maxEncoded {
		return Code{}, fault.New(fault.Invalid, "onboarding code too long")
	}
	rest, ok := strings.CutPrefix(s, CodePrefix)
	id, body, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || !validID(id) {
		return Code{}, fault.New(fault.Invalid, "not an onboarding code (want aoc_<id>.<secret>)")
	}
	payload, ok := unseal(CodePrefix, id, body)
	if !ok {
		return Code{}, fault.New(fault.Invalid, "onboarding code %s%s… fails its checksum: check for a typo", CodePrefix, id)
	}
	return decodeCode(id, payload)
}

func decodeCode(id string, payload []byte) (Code, error) {
	r := &reader{b: payload}
	v := r.byte()
	c := Code{ID: id, Secret: append([]byte(nil), r.bytes(codeSecretSize)...)}
	copy(c.ServiceKey[:], r.bytes(len(c.ServiceKey)))
	c.Account, c.Backend = r.str8(), r.strings()
	if v != codeVersion || !r.done() || c.Account == "" {
		return Code{}, fault.New(fault.Invalid, "onboarding code %s%s has an unsupported layout (version %d)", CodePrefix, id, v)
	}
	if !ValidAccountID(c.Account) {
		return Code{}, fault.New(fault.Invalid, "onboarding code %s%s names an invalid account id", CodePrefix, id)
	}
	if err := ValidateLocations(c.Backend); err != nil {
		return Code{}, err
	}
	return c, nil
}

// validID checks a public id: 13 characters of the base32 alphabet.
func validID(id string) bool {
	b, err := b32.DecodeString(id)
	return err == nil && len(b) == codeIDBytes && b32.EncodeToString(b) == id
}

// ValidCodeID reports whether id has the form of a code's public id.
func ValidCodeID(id string) bool { return validID(id) }
