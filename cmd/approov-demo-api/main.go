// Command approov-demo-api is the quick start's API server: an HTTPS
// server on loopback for api.example.test, with a certificate from a demo
// CA it makes once in its directory, and two keys, so that a key rotation
// can be tried end to end on one machine:
//
//	go run ./cmd/approov-demo-api -dir demo &              # serves the current key
//	go run ./cmd/approov-demo-api -dir demo -key next &    # after the rotation
//
// It writes demo/ca.pem (for --ca-file) and prints the pins of both keys.
// It is a demonstration, not a server to deploy.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Host is the name the demo certificate is for; approov reaches it with
// --connect-to api.example.test=127.0.0.1:8443.
const Host = "api.example.test"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "demo", "directory for the CA and keys (made once, then reused)")
	listen := flag.String("listen", "127.0.0.1:8443", "loopback address to serve on")
	which := flag.String("key", "current", "which key the certificate carries: current or next")
	flag.Parse()
	if host, _, err := net.SplitHostPort(*listen); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("-listen must be a loopback address, got %q", *listen)
	}
	if *which != "current" && *which != "next" {
		return fmt.Errorf("-key is current or next, got %q", *which)
	}
	ca, caKey, err := loadOrMakeCA(*dir)
	if err != nil {
		return err
	}
	keys := map[string]*ecdsa.PrivateKey{}
	for _, name := range []string{"current", "next"} {
		if keys[name], err = loadOrMakeKey(filepath.Join(*dir, name+".key")); err != nil {
			return err
		}
		fmt.Printf("pin of the %-7s key: sha256/%s\n", name, pin(&keys[name].PublicKey))
	}
	cert, err := leaf(ca, caKey, keys[*which])
	if err != nil {
		return err
	}
	fmt.Printf("serving %s with the %s key on https://%s (CA: %s)\n", Host, *which, *listen, filepath.Join(*dir, "ca.pem"))
	return serve(*listen, cert)
}

func serve(addr string, cert tls.Certificate) error {
	srv := &http.Server{
		Addr:              addr,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintln(w, "hello from the demo API")
		}),
	}
	return srv.ListenAndServeTLS("", "")
}

// loadOrMakeCA returns the demo CA of dir, making it (and dir) on first use.
func loadOrMakeCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	key, err := loadOrMakeKey(filepath.Join(dir, "ca.key"))
	if err != nil {
		return nil, nil, err
	}
	caPath := filepath.Join(dir, "ca.pem")
	if raw, err := os.ReadFile(caPath); err == nil {
		return parseCert(raw)(key)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	tmpl := template("approov demo CA", 10*365*24*time.Hour)
	tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, nil, err
	}
	return parseCert(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))(key)
}

func parseCert(raw []byte) func(*ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	return func(key *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, error) {
		block, _ := pem.Decode(raw)
		if block == nil {
			return nil, nil, errors.New("demo CA file holds no certificate")
		}
		c, err := x509.ParseCertificate(block.Bytes)
		return c, key, err
	}
}

// leaf issues a fresh certificate for Host on key.
func leaf(ca *x509.Certificate, caKey, key *ecdsa.PrivateKey) (tls.Certificate, error) {
	tmpl := template(Host, 90*24*time.Hour)
	tmpl.DNSNames = []string{Host}
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Raw}, PrivateKey: key}, nil
}

func template(cn string, life time.Duration) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	now := time.Now()
	return &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(life)}
}

// loadOrMakeKey reads a P-256 key from path, or makes one there (0600).
func loadOrMakeKey(path string) (*ecdsa.PrivateKey, error) {
	if raw, err := os.ReadFile(path); err == nil {
		block, _ := pem.Decode(raw)
		if block == nil {
			return nil, fmt.Errorf("%s holds no key", path)
		}
		return x509.ParseECPrivateKey(block.Bytes)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return key, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

// pin is base64(SHA-256(SubjectPublicKeyInfo)), as approov prints pins.
func pin(pub *ecdsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:])
}
