package sdkconfig

import (
	"crypto/ecdsa"
	"crypto/sha256"

	"github.com/golang-jwt/jwt/v5"
)

// Challenge bounds: a client sends 16 to 64 random bytes.
const (
	MinChallenge = 16
	MaxChallenge = 64
)

// transcriptLabel separates challenge signatures from every JWS the key
// makes: a JWS signing input is base64url and dots, never a NUL byte.
const transcriptLabel = "approov-sdk-config-challenge-v1\x00"

// Transcript returns the bytes a challenge response signs:
// label (31 ASCII bytes and NUL) || len(challenge) (1 byte) || challenge ||
// SHA-256(configJWT as sent, ASCII).
func Transcript(challenge []byte, configJWT string) ([]byte, error) {
	if len(challenge) < MinChallenge || len(challenge) > MaxChallenge {
		return nil, invalidf("the challenge is %d bytes; it must be %d to %d", len(challenge), MinChallenge, MaxChallenge)
	}
	if configJWT == "" || len(configJWT) > MaxConfigSize {
		return nil, invalidf("the configuration is %d bytes; it must be 1 to %d", len(configJWT), MaxConfigSize)
	}
	sum := sha256.Sum256([]byte(configJWT))
	t := make([]byte, 0, len(transcriptLabel)+1+len(challenge)+len(sum))
	t = append(t, transcriptLabel...)
	t = append(t, byte(len(challenge)))
	t = append(t, challenge...)
	return append(t, sum[:]...), nil
}

// SignChallenge signs Transcript(challenge, configJWT) with ECDSA P-256 and
// SHA-256, returning the 64-byte r||s form JWS uses.
func SignChallenge(key *ecdsa.PrivateKey, challenge []byte, configJWT string) ([]byte, error) {
	if key == nil || !p256(&key.PublicKey) {
		return nil, invalidf("the configuration key is not a P-256 key")
	}
	t, err := Transcript(challenge, configJWT)
	if err != nil {
		return nil, err
	}
	return jwt.SigningMethodES256.Sign(string(t), key)
}

// VerifyChallenge checks a challenge response: sig must be the r||s ES256
// signature of Transcript(challenge, configJWT) by pub. It does not verify
// the configuration itself; call Verify for that.
func VerifyChallenge(pub *ecdsa.PublicKey, challenge []byte, configJWT string, sig []byte) error {
	if !p256(pub) {
		return invalidf("the configuration key is not a P-256 key")
	}
	t, err := Transcript(challenge, configJWT)
	if err != nil {
		return err
	}
	if len(sig) != 64 {
		return invalidf("the challenge signature is %d bytes; an ES256 signature is 64 (r||s)", len(sig))
	}
	if jwt.SigningMethodES256.Verify(string(t), sig, pub) != nil {
		return invalidf("the challenge signature does not verify: the answer is not for this challenge and configuration, or not from this key")
	}
	return nil
}
