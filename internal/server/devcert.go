package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
)

// Dev certificate files, kept beside the store so restarts (and account
// create, which puts its pin in codes) find the same one.
const (
	DevCertFile = "approovd-dev.crt"
	DevKeyFile  = "approovd-dev.key"
	devLockFile = "approovd-dev.lock"
)

// devValidity is long: the certificate is trusted by its pin, not its dates.
const devValidity = 5 * 365 * 24 * time.Hour

// DevCertificate loads the --dev certificate from dir, creating it (a
// self-signed ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1)
// on first use. It returns the certificate and its pin (auth.TLSPin).
func DevCertificate(dir string) (tls.Certificate, []byte, error) {
	certPath, keyPath := filepath.Join(dir, DevCertFile), filepath.Join(dir, DevKeyFile)
	if _, err := os.Stat(certPath); os.IsNotExist(err) {
		if err := makeDevCert(dir, certPath, keyPath); err != nil {
			return tls.Certificate{}, nil, err
		}
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, nil, fault.New(fault.Invalid, "dev certificate in %s: %v", dir, err)
	}
	return cert, auth.TLSPin(cert.Leaf.RawSubjectPublicKeyInfo), nil
}

// DevPin is the pin of the dev certificate in dir, and whether there is one.
func DevPin(dir string) ([]byte, bool) {
	raw, err := os.ReadFile(filepath.Join(dir, DevCertFile))
	if err != nil {
		return nil, false
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, false
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, false
	}
	return auth.TLSPin(c.RawSubjectPublicKeyInfo), true
}

// makeDevCert writes the certificate unless another process did while
// this one waited for the directory's lock.
func makeDevCert(dir, certPath, keyPath string) error {
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(certPath); err == nil {
		return nil
	}
	return writeDevCert(certPath, keyPath)
}

func writeDevCert(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "approovd --dev"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(devValidity),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	// The key first: a certificate without its key is never left behind.
	if err := writePEM(keyPath, "PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writePEM(certPath, "CERTIFICATE", der, 0o644)
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	return nil
}
