package pins

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"time"
)

// Position is a certificate's place in a chain.
type Position string

// The positions of a chain, leaf first.
const (
	Leaf         Position = "leaf"
	Intermediate Position = "intermediate"
	Root         Position = "root"
)

// CertInfo is what people need to choose a pin: whose key it is, who vouches
// for it, how long it lives and where it sits in the chain.
type CertInfo struct {
	Position   Position  `json:"position"`
	Name       string    `json:"name"` // short subject: the common name when there is one
	Subject    string    `json:"subject"`
	IssuerName string    `json:"issuer_name"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	Key        string    `json:"key"`
	Pin        Pin       `json:"pin"`
}

// Info describes one certificate; pos is its position in the chain.
func Info(cert *x509.Certificate, pos Position) CertInfo {
	return CertInfo{
		Position:   pos,
		Name:       Describe(cert),
		Subject:    truncate(cert.Subject.String(), 200),
		IssuerName: issuerName(cert),
		Issuer:     truncate(cert.Issuer.String(), 200),
		NotBefore:  cert.NotBefore.UTC(),
		NotAfter:   cert.NotAfter.UTC(),
		Key:        KeyDescription(cert),
		Pin:        Compute(cert),
	}
}

// ChainInfo describes a chain ordered leaf first (a verified chain, or what a
// server sent): the first is the leaf, a last self-issued one is the root.
func ChainInfo(chain []*x509.Certificate) []CertInfo {
	out := make([]CertInfo, len(chain))
	for i, c := range chain {
		out[i] = Info(c, chainPosition(chain, i))
	}
	return out
}

// chainPosition places chain[i]. A self-issued last certificate is the root;
// no signature check here: verified chains were checked, sent ones are only
// described.
func chainPosition(chain []*x509.Certificate, i int) Position {
	switch {
	case i == 0:
		return Leaf
	case i == len(chain)-1 && bytes.Equal(chain[i].RawSubject, chain[i].RawIssuer):
		return Root
	}
	return Intermediate
}

// FileInfo describes certificates read from a file, whose order means nothing:
// each position is guessed from the certificate itself.
func FileInfo(certs []*x509.Certificate) []CertInfo {
	out := make([]CertInfo, len(certs))
	for i, c := range certs {
		pos := Leaf
		switch {
		case selfSigned(c):
			pos = Root
		case c.IsCA:
			pos = Intermediate
		}
		out[i] = Info(c, pos)
	}
	return out
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil
}

// KeyDescription names the key's algorithm and size, e.g. "RSA-2048", "ECDSA P-256".
func KeyDescription(cert *x509.Certificate) string {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return cert.PublicKeyAlgorithm.String()
}

func issuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return truncate(c.Issuer.CommonName, 120)
	}
	return truncate(c.Issuer.String(), 120)
}
