package auth

import (
	"crypto/ed25519"

	circl "github.com/cloudflare/circl/sign/ed25519"
)

// Ed25519 keys are derived, and messages signed and verified, with CIRCL's
// implementation (Cloudflare): its base-point tables are constants, where
// crypto/ed25519 builds them at the first key derivation, signature or
// verification of each process, about 2.5 ms: more than all the rest of a
// read-only command on the embedded backend. The key types stay
// crypto/ed25519's. Ed25519 signatures are deterministic (RFC 8032), so
// both produce the same bytes; CIRCL's verification accepts nothing that
// crypto/ed25519's refuses and refuses more: signatures by a small-order
// public key such as the identity (sign_test.go checks all of it).

// KeyFromSeed is ed25519.NewKeyFromSeed: the private key (seed and public
// key) of a 32-byte seed. It panics on another length, as the standard one does.
func KeyFromSeed(seed []byte) ed25519.PrivateKey {
	return ed25519.PrivateKey(circl.NewKeyFromSeed(seed))
}

// sign is ed25519.Sign.
func sign(key ed25519.PrivateKey, msg []byte) []byte {
	return circl.Sign(circl.PrivateKey(key), msg)
}

// verify is ed25519.Verify, stricter on small-order keys; a key of the wrong
// length is refused, never a panic.
func verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && circl.Verify(circl.PublicKey(pub), msg, sig)
}
