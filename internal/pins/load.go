package pins

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/approov-cli/approov/internal/cms"
)

// Bounds on certificate input: a real bundle is a few KiB and a few certificates.
const (
	MaxCertFileSize = 1 << 20 // 1 MiB
	MaxCertificates = 50
)

// ErrPrivateKey is returned (wrapped, kind Invalid) when the input holds a
// private key. Nothing of the key is echoed.
var ErrPrivateKey = errors.New("input contains a private key; refusing to read it. " +
	"Never share or paste private keys: give the certificate (.crt/.pem) instead, " +
	"and consider the key exposed if it was sent to anyone")

// ReadCertificates reads at most MaxCertFileSize bytes from r and parses them
// with LoadCertificates.
func ReadCertificates(r io.Reader) ([]*x509.Certificate, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCertFileSize+1))
	if err != nil {
		return nil, invalidf("reading certificates: %w", err)
	}
	return LoadCertificates(data)
}

// LoadCertificates parses PEM (many blocks, text between them, CRLF, a UTF-8
// BOM), DER or PKCS#7 (.p7b/.p7c, PEM or DER). It refuses private keys,
// certificate requests, empty input, more than MaxCertFileSize bytes and more
// than MaxCertificates certificates.
func LoadCertificates(data []byte) ([]*x509.Certificate, error) {
	if len(data) > MaxCertFileSize {
		return nil, invalidf("certificate input is larger than %d bytes", MaxCertFileSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalidf("no certificate found: the input is empty")
	}
	if containsPrivateKey(data) {
		return nil, invalidf("%w", ErrPrivateKey)
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return loadPEM(data)
	}
	return loadDER(data)
}

// containsPrivateKey spots private keys in PEM text before any parsing, so
// that a key is refused even when it sits next to valid certificates.
func containsPrivateKey(data []byte) bool {
	for rest := data; ; {
		i := bytes.Index(rest, []byte("-----BEGIN "))
		if i < 0 {
			return false
		}
		rest = rest[i+len("-----BEGIN "):]
		end := bytes.Index(rest, []byte("-----"))
		if end < 0 {
			return false
		}
		if bytes.Contains(rest[:end], []byte("PRIVATE KEY")) {
			return true
		}
	}
}

func loadPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		got, err := certsFromBlock(block, n)
		if err != nil {
			return nil, err
		}
		if certs = append(certs, got...); len(certs) > MaxCertificates {
			return nil, tooMany()
		}
	}
	if len(certs) == 0 {
		return nil, invalidf("no certificate found: the input has no valid PEM CERTIFICATE block")
	}
	return certs, nil
}

func certsFromBlock(block *pem.Block, n int) ([]*x509.Certificate, error) {
	switch block.Type {
	case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, invalidf("PEM block %d: %s", n, parseErr(err))
		}
		return []*x509.Certificate{cert}, nil
	case "PKCS7", "CMS":
		return loadPKCS7(block.Bytes)
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		return nil, invalidf("PEM block %d is a certificate signing request, not a certificate: pin the issued certificate", n)
	case "PUBLIC KEY":
		return nil, invalidf("PEM block %d is a bare public key; give the certificate, so that its subject and validity can be shown", n)
	}
	return nil, nil // other blocks (parameters, CRLs) carry no certificate: skip them
}

func loadDER(data []byte) ([]*x509.Certificate, error) {
	if data[0] != 0x30 {
		return nil, invalidf("not a certificate: neither PEM text nor DER (which starts with byte 0x30)")
	}
	cert, err := x509.ParseCertificate(data)
	if err == nil {
		return []*x509.Certificate{cert}, nil
	}
	certs, p7err := loadPKCS7(data)
	if p7err == nil {
		return certs, nil
	}
	return nil, invalidf("DER input is neither a certificate nor a PKCS#7 bundle: %s", parseErr(err))
}

func loadPKCS7(der []byte) ([]*x509.Certificate, error) {
	p7, err := cms.Parse(der)
	if err != nil {
		return nil, invalidf("malformed PKCS#7 bundle: %s", parseErr(err))
	}
	if len(p7.Certificates) == 0 {
		return nil, invalidf("the PKCS#7 bundle holds no certificate")
	}
	if len(p7.Certificates) > MaxCertificates {
		return nil, tooMany()
	}
	return p7.Certificates, nil
}

func tooMany() error {
	return invalidf("more than %d certificates in the input", MaxCertificates)
}

// parseErr keeps parser messages short and printable.
func parseErr(err error) string {
	return truncate(strings.TrimPrefix(err.Error(), "x509: "), 160)
}

// Describe names a certificate for people: its subject's common name or, failing
// that, the whole subject or its first DNS name.
func Describe(cert *x509.Certificate) string {
	switch {
	case cert.Subject.CommonName != "":
		return truncate(cert.Subject.CommonName, 120)
	case len(cert.Subject.String()) > 0:
		return truncate(cert.Subject.String(), 120)
	case len(cert.DNSNames) > 0:
		return truncate(cert.DNSNames[0], 120)
	}
	return fmt.Sprintf("serial %s", truncate(cert.SerialNumber.String(), 40))
}
