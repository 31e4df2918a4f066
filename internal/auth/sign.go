package auth

import (
	"crypto/ed25519"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Ed25519 keys are derived, and messages signed and verified, with
// curve25519-voi (Oasis Labs; a Go port of curve25519-dalek's backends,
// checked against Wycheproof and the "Taming the many EdDSAs" vectors). It
// signs in half the time crypto/ed25519 and CIRCL take and verifies in
// about 60% of it (AVX2 on amd64), and builds its base-point tables once
// at process start (0.2–0.4 ms) where crypto/ed25519 builds them at the
// first use (about 2.5 ms). Every signed request costs a signature and a
// verification on each side, so this is most of the CPU approovd and the
// CLI spend per request (docs/design-notes.md). The key types stay
// crypto/ed25519's. Ed25519 signatures are deterministic (RFC 8032), so
// both produce the same bytes; verification here accepts nothing that
// crypto/ed25519 refuses and refuses more: signatures by a small-order
// public key such as the identity, and non-canonical encodings of the key
// or of R (sign_test.go checks all of it).

// strict is crypto/ed25519's verification equation (cofactorless), with
// small-order and non-canonically encoded keys refused.
var strict = &voi.Options{Verify: &voi.VerifyOptions{AllowSmallOrderR: true, CofactorlessVerify: true}}

// KeyFromSeed is ed25519.NewKeyFromSeed: the private key (seed and public
// key) of a 32-byte seed. It panics on another length, as the standard one does.
func KeyFromSeed(seed []byte) ed25519.PrivateKey {
	return ed25519.PrivateKey(voi.NewKeyFromSeed(seed))
}

// sign is ed25519.Sign.
func sign(key ed25519.PrivateKey, msg []byte) []byte {
	return voi.Sign(voi.PrivateKey(key), msg)
}

// verify is ed25519.Verify, stricter on small-order keys and non-canonical
// encodings; a key of the wrong length is refused, never a panic.
func verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, strict)
}

// VerifyKey is a public key prepared for verifying many signatures: its
// point decompressed and its multiples tabulated once (about 10 µs, 1.5
// KiB), which makes each verification about a quarter cheaper. Safe for
// concurrent use; the zero of a bad key verifies nothing.
type VerifyKey struct {
	pub ed25519.PublicKey
	x   *voi.ExpandedPublicKey // nil when pub is not a point: nothing verifies
}

// NewVerifyKey prepares pub. A key of the wrong length or not on the
// curve gives a VerifyKey under which no signature verifies.
func NewVerifyKey(pub ed25519.PublicKey) *VerifyKey {
	k := &VerifyKey{pub: pub}
	if len(pub) == ed25519.PublicKeySize {
		k.x, _ = voi.NewExpandedPublicKey(voi.PublicKey(pub))
	}
	return k
}

// Public is the key k was prepared from.
func (k *VerifyKey) Public() ed25519.PublicKey { return k.pub }

// verify is the package's verify under k.
func (k *VerifyKey) verify(msg, sig []byte) bool {
	return k != nil && k.x != nil && voi.VerifyExpandedWithOptions(k.x, msg, sig, strict)
}
