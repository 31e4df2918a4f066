package sdkconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"

	"github.com/golang-jwt/jwt/v5"
)

// GenerateKey makes a new P-256 configuration key.
func GenerateKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// Sign returns the configuration as a compact ES256 JWS with header typ
// MediaType and kid the key's pin. Domains are written sorted by name; a zero
// IssuedAt means now. A configuration Verify would refuse is not signed.
func Sign(key *ecdsa.PrivateKey, c Config) (string, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return "", invalidf("the configuration key is not a P-256 key")
	}
	kid, err := KeyPin(&key.PublicKey)
	if err != nil {
		return "", err
	}
	w := toWire(c)
	if _, err := w.config(); err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, w)
	tok.Header["typ"] = MediaType
	tok.Header["kid"] = kid.String()
	s, err := tok.SignedString(key)
	if err == nil && len(s) > MaxConfigSize {
		return "", invalidf("the signed configuration is %d bytes; at most %d are accepted", len(s), MaxConfigSize)
	}
	return s, err
}
