// Package installkey handles the key an app installation signs its
// attestations with: Ed25519 or ECDSA P-256 (what a phone's secure hardware
// offers), its installation id and the ipk claim. It is a pure library:
// stdlib crypto only, no storage.
package installkey

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"

	"github.com/approov-cli/approov/internal/fault"
)

// Key types, as an attestation request names them.
const (
	Ed25519 = "ed25519" // public key: 32 bytes; signature: 64 bytes
	P256    = "p256"    // public key: uncompressed point, 65 bytes; signature: ASN.1 ECDSA over SHA-256
)

// maxSignature bounds an ASN.1 P-256 signature (72 bytes at most).
const maxSignature = 80

// Public is a parsed installation public key.
type Public struct {
	typ  string
	key  crypto.PublicKey
	spki []byte
}

// Parse parses a public key of type typ.
func Parse(typ string, raw []byte) (*Public, error) {
	var key crypto.PublicKey
	switch typ {
	case Ed25519:
		if len(raw) != ed25519.PublicKeySize {
			return nil, fault.New(fault.Invalid, "an ed25519 installation key is %d bytes, not %d", ed25519.PublicKeySize, len(raw))
		}
		key = ed25519.PublicKey(raw)
	case P256:
		k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
		if err != nil {
			return nil, fault.New(fault.Invalid, "the p256 installation key is not an uncompressed P-256 point")
		}
		key = k
	default:
		return nil, fault.New(fault.Invalid, "installation key type must be %s or %s", Ed25519, P256)
	}
	spki, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err)
	}
	return &Public{typ: typ, key: key, spki: spki}, nil
}

// Verify reports whether sig is the key's signature of msg.
func (p *Public) Verify(msg, sig []byte) bool {
	switch k := p.key.(type) {
	case ed25519.PublicKey:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k, msg, sig)
	case *ecdsa.PublicKey:
		h := sha256.Sum256(msg)
		return len(sig) <= maxSignature && ecdsa.VerifyASN1(k, h[:], sig)
	}
	return false
}

// SPKI is the key's DER SubjectPublicKeyInfo.
func (p *Public) SPKI() []byte { return p.spki }

// ID is the installation id: base64url (no padding) of the SHA-256 of the
// key's SubjectPublicKeyInfo, 43 characters. Deriving it from the key means
// that nobody can claim an installation (a force-pass device's, say)
// without its private key.
func (p *Public) ID() string {
	h := sha256.Sum256(p.spki)
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// IPK is the ipk claim: standard base64 of the SHA-256 of the key's
// SubjectPublicKeyInfo, the form of an SPKI pin.
func (p *Public) IPK() string {
	h := sha256.Sum256(p.spki)
	return base64.StdEncoding.EncodeToString(h[:])
}

// IDLength is the length of an installation id.
const IDLength = 43

// Private is an installation key pair, for simulated apps and tests (a
// real app keeps its key in secure hardware).
type Private struct {
	typ    string
	signer crypto.Signer
}

// Generate makes a new installation key of type typ.
func Generate(typ string) (*Private, error) {
	switch typ {
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return &Private{typ: typ, signer: k}, err
	case P256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		return &Private{typ: typ, signer: k}, err
	}
	return nil, fault.New(fault.Usage, "installation key type must be %s or %s", Ed25519, P256)
}

// Type is the key's type.
func (k *Private) Type() string { return k.typ }

// PublicBytes is the public key as an attestation request carries it.
func (k *Private) PublicBytes() []byte {
	switch pub := k.signer.Public().(type) {
	case ed25519.PublicKey:
		return pub
	case *ecdsa.PublicKey:
		b, _ := pub.Bytes()
		return b
	}
	return nil
}

// Public returns the parsed public key.
func (k *Private) Public() *Public {
	p, _ := Parse(k.typ, k.PublicBytes())
	return p
}

// Sign signs msg as Verify expects.
func (k *Private) Sign(msg []byte) ([]byte, error) {
	if k.typ == Ed25519 {
		return k.signer.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	h := sha256.Sum256(msg)
	return k.signer.Sign(rand.Reader, h[:], crypto.SHA256)
}

// Ed25519FromSeed rebuilds an Ed25519 installation key from its 32-byte
// seed, for a simulated app that attests across processes.
func Ed25519FromSeed(seed []byte) (*Private, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fault.New(fault.Invalid, "an ed25519 seed is %d bytes", ed25519.SeedSize)
	}
	return &Private{typ: Ed25519, signer: ed25519.NewKeyFromSeed(seed)}, nil
}
