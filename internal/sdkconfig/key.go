package sdkconfig

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"

	"github.com/approov-cli/approov/internal/pins"
)

// MaxPublicKeySize bounds a PEM public-key file.
const MaxPublicKeySize = 4 << 10

const pemType = "PUBLIC KEY"

// MarshalPublicKey writes the key apps embed: PEM of the DER SubjectPublicKeyInfo.
func MarshalPublicKey(pub *ecdsa.PublicKey) ([]byte, error) {
	der, err := spki(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), nil
}

// ParsePublicKey reads exactly one PEM "PUBLIC KEY" block holding a P-256
// key; anything else (other curves, RSA, certificates, several blocks) is refused.
func ParsePublicKey(data []byte) (*ecdsa.PublicKey, error) {
	if len(data) > MaxPublicKeySize {
		return nil, invalidf("the public key file is %d bytes; at most %d are accepted", len(data), MaxPublicKeySize)
	}
	block, rest := pem.Decode(data)
	switch {
	case block == nil:
		return nil, invalidf("no PEM block found: the configuration public key is a PEM %q block", pemType)
	case block.Type != pemType:
		return nil, invalidf("the PEM block is %s, not %q", quote(block.Type), pemType)
	case len(bytes.TrimSpace(rest)) > 0:
		return nil, invalidf("data follows the public key's PEM block")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, invalidf("the public key is not a valid SubjectPublicKeyInfo")
	}
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok || !p256(pub) {
		return nil, invalidf("the public key is not a P-256 ECDSA key")
	}
	return pub, nil
}

// KeyPin returns the pin of the key (SHA-256 of its DER SubjectPublicKeyInfo,
// as internal/pins defines pins): the kid of configurations it signs.
func KeyPin(pub *ecdsa.PublicKey) (pins.Pin, error) {
	der, err := spki(pub)
	if err != nil {
		return pins.Pin{}, err
	}
	return sha256.Sum256(der), nil
}

func spki(pub *ecdsa.PublicKey) ([]byte, error) {
	if !p256(pub) {
		return nil, invalidf("the configuration key is not a P-256 key")
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, invalidf("the configuration key cannot be encoded: %v", err)
	}
	return der, nil
}
