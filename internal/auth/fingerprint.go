package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
)

// Fingerprint identifies the service signing key: SHA-256 of the raw Ed25519
// public key. Onboarding codes and management tokens carry it, so a client
// can pin the key before it has ever talked to the service.
type Fingerprint [sha256.Size]byte

// FingerprintOf returns the fingerprint of pub.
func FingerprintOf(pub ed25519.PublicKey) Fingerprint { return sha256.Sum256(pub) }

// Matches reports, in constant time, whether pub has fingerprint f.
func (f Fingerprint) Matches(pub ed25519.PublicKey) bool {
	g := FingerprintOf(pub)
	return len(pub) == ed25519.PublicKeySize && subtle.ConstantTimeCompare(f[:], g[:]) == 1
}

// String renders f as OpenSSH does: "SHA256:" and unpadded base64.
func (f Fingerprint) String() string {
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(f[:])
}

// ParseFingerprint parses the form String produces.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	rest, ok := strings.CutPrefix(s, "SHA256:")
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if !ok || err != nil || len(b) != len(f) {
		return f, fault.New(fault.Invalid, "invalid key fingerprint %q (want SHA256:<base64>)", truncate(s, 60))
	}
	copy(f[:], b)
	return f, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
