// Package pinstest provides certificates made at test time and hostile or
// well-behaved TLS servers on loopback, for the tests of internal/pins and of
// the pin commands. Every server stops when its test ends.
package pinstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// CA is a test certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA makes a self-signed P-256 root.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key := NewKey(t)
	tmpl := template(name)
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	return &CA{Cert: create(t, tmpl, tmpl, key.Public(), key), Key: key}
}

// NewKey makes a P-256 key (fast to generate).
func NewKey(t testing.TB) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// Pool returns a pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// PEM returns the CA certificate in PEM form.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Intermediate issues a sub-CA.
func (ca *CA) Intermediate(t testing.TB, name string) *CA {
	t.Helper()
	key := NewKey(t)
	tmpl := template(name)
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign
	return &CA{Cert: create(t, tmpl, ca.Cert, key.Public(), ca.Key), Key: key}
}

// LeafOptions shape a leaf certificate.
type LeafOptions struct {
	Names     []string  // DNS names and IP literals
	NotBefore time.Time // default an hour ago
	NotAfter  time.Time // default in a year
	PublicKey any       // the certified key; default a fresh P-256 key's
}

// Leaf issues a server certificate and returns it with its key (nil when
// opts.PublicKey was given: the key is then unknown).
func (ca *CA) Leaf(t testing.TB, opts LeafOptions) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	tmpl := template(firstOr(opts.Names, "leaf"))
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	for _, n := range opts.Names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	if !opts.NotBefore.IsZero() {
		tmpl.NotBefore = opts.NotBefore
	}
	if !opts.NotAfter.IsZero() {
		tmpl.NotAfter = opts.NotAfter
	}
	var key crypto.Signer
	pub := opts.PublicKey
	if pub == nil {
		key = NewKey(t)
		pub = key.Public()
	}
	return create(t, tmpl, ca.Cert, pub, ca.Key), key
}

// TLSCert builds a tls.Certificate from a chain (leaf first) and a key.
func TLSCert(key crypto.Signer, chain ...*x509.Certificate) tls.Certificate {
	c := tls.Certificate{PrivateKey: key}
	for _, x := range chain {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}

// HugeRSAKey returns an RSA public key of the given size whose private half
// nobody knows: enough to certify, and fast to make even at 16384 bits.
func HugeRSAKey(t testing.TB, bits int) *rsa.PublicKey {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	if err != nil {
		t.Fatal(err)
	}
	n.SetBit(n, bits-1, 1).SetBit(n, 0, 1)
	return &rsa.PublicKey{N: n, E: 65537}
}

func template(cn string) *x509.Certificate {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"pinstest"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
	}
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub any, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
