package auth

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"

	"github.com/approov-cli/approov/internal/role"
)

// LoginStatement is what a client signs to open a session: it proves
// possession of the role's key (password-derived or management token) for
// one service challenge, and binds the new session public key to it.
type LoginStatement struct {
	Account    string
	User       string
	Role       role.Role
	Challenge  []byte            // the service's fresh challenge
	SessionKey ed25519.PublicKey // the new session's public key
}

func (s LoginStatement) bytes() []byte {
	return transcript(purposeLogin, []byte(s.Account), []byte(s.User), []byte(s.Role), s.Challenge, s.SessionKey)
}

// SignLogin signs s with the role key.
func SignLogin(roleKey ed25519.PrivateKey, s LoginStatement) []byte {
	return sign(roleKey, s.bytes())
}

// VerifyLogin checks a login signature against the enrolled public key.
func VerifyLogin(pub ed25519.PublicKey, s LoginStatement, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && len(s.SessionKey) == ed25519.PublicKeySize &&
		verify(pub, s.bytes(), sig)
}

// RecoveryStatement is what the current recovery PIN's key signs when a
// recovery code is redeemed: the code id (single use) and the new PIN's
// public key, so the proof cannot be moved to another redemption.
type RecoveryStatement struct {
	CodeID string
	NewPIN ed25519.PublicKey
}

// SignRecovery signs s with the PIN-derived key.
func SignRecovery(pinKey ed25519.PrivateKey, s RecoveryStatement) []byte {
	return sign(pinKey, transcript(purposeRecovery, []byte(s.CodeID), s.NewPIN))
}

// VerifyRecovery checks a recovery PIN proof.
func VerifyRecovery(pub ed25519.PublicKey, s RecoveryStatement, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize &&
		verify(pub, transcript(purposeRecovery, []byte(s.CodeID), s.NewPIN), sig)
}

// FakeSalt is the salt answered for a user or role that does not exist:
// HMAC-SHA256 under a service secret, so it is stable across attempts (an
// attacker cannot tell it from a real, fixed salt) and unpredictable.
func FakeSalt(serviceSecret []byte, account, user string, r role.Role) []byte {
	m := hmac.New(sha256.New, serviceSecret)
	m.Write(transcript(purposeFakeSalt, []byte(account), []byte(user), []byte(r)))
	return m.Sum(nil)[:SaltSize]
}
