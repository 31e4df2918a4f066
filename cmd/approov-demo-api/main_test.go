package main

import (
	"crypto/x509"
	"testing"

	"github.com/approov-cli/approov/internal/pins"
)

// The demo CA and keys are made once and reused; the leaf verifies for
// Host under the CA, and the printed pin is approov's pin of its key.
func TestDemoCertificates(t *testing.T) {
	dir := t.TempDir()
	ca, caKey, err := loadOrMakeCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := loadOrMakeCA(dir)
	if err != nil || !again.Equal(ca) {
		t.Fatalf("CA not reused: %v", err)
	}
	key, err := loadOrMakeKey(dir + "/next.key")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := leaf(ca, caKey, key)
	if err != nil {
		t.Fatal(err)
	}
	l, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := l.Verify(x509.VerifyOptions{DNSName: Host, Roots: roots}); err != nil {
		t.Fatal(err)
	}
	if got, want := pin(&key.PublicKey), pins.Compute(l).String(); got != want {
		t.Errorf("pin %s, approov says %s", got, want)
	}
}
