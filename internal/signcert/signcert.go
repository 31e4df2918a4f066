// Package signcert reads app-signing certificates: the certificate an account
// trusts so that builds signed with it count as registered (auto-registration).
//
// Inputs are PEM or DER certificates (Apple's portal .cer is DER), PKCS#7
// bundles, and PKCS#12 keystores (.p12/.pfx: Android keystores, Apple's
// exported identities). Only certificates come out: a keystore's private key
// is used for nothing but choosing the certificate it belongs to, then dropped;
// inputs that hold only a key, and PEM text with a key, are refused. JKS and
// JCEKS keystores are refused with the keytool command that converts them.
//
// Errors are one line and of kind fault.Invalid (exit 6), except a missing or
// wrong keystore password, which is fault.Auth (exit 4): the file is fine, the
// secret is not, and exit 4 is where scripts already look for password trouble
// (no terminal to prompt). errors.Is tells ErrPasswordRequired and
// ErrWrongPassword apart so that a terminal can ask again.
package signcert

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Bounds on input: a keystore or certificate file is a few KiB.
const (
	MaxInputSize    = pins.MaxCertFileSize // bytes
	MaxCertificates = pins.MaxCertificates // certificates in one input
	// MaxIterations bounds every key-derivation iteration count in a PKCS#12
	// file, so that a hostile keystore cannot make us spin. Real tools use
	// 2048 (OpenSSL), 10 000 (keytool) and up to 100 000 (keytool's legacy MAC).
	MaxIterations = 1_000_000
)

// Platform is the app platform a certificate signs for, guessed from its subject.
type Platform string

// The platforms.
const (
	Android Platform = "android" // anything that is not an Apple identity
	Apple   Platform = "apple"   // "Apple Development: …", "Apple Distribution: …" and their predecessors
)

// Password errors, wrapped with kind fault.Auth.
var (
	// ErrPasswordRequired: the keystore is protected and no password was given.
	ErrPasswordRequired = errors.New("the keystore is password-protected: its password is needed")
	// ErrWrongPassword: the password given does not open the keystore.
	ErrWrongPassword = errors.New("wrong keystore password")
)

// Certificate describes an app-signing certificate. Hex is lowercase.
type Certificate struct {
	// SHA256 is the SHA-256 of the DER certificate: the value an APK
	// measurement lists as a signer (signers.v1/v2/v3[].cert_sha256, aab
	// signers.v1) and an IPA's signer.cert_sha256. Matching uses it alone.
	SHA256 string `json:"sha256"`
	// SHA1 of the DER certificate, for display only: keytool -list -v, the
	// Play Console and Apple's `security find-identity` (which names signing
	// identities by it) show it. Never used to match.
	SHA1         string    `json:"sha1"`
	Name         string    `json:"name"` // the subject's common name, or the subject
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	Serial       string    `json:"serial"` // hex, as keytool prints it
	NotBefore    time.Time `json:"not_before"`
	NotAfter     time.Time `json:"not_after"`
	KeyAlgorithm string    `json:"key_algorithm"` // e.g. "RSA-2048", "ECDSA P-256"
	Platform     Platform  `json:"platform"`
	TeamID       string    `json:"team_id,omitempty"` // Apple team ID (subject OU); Apple only
	// Development is true for Apple development identities and for the
	// Android debug certificate (CN=Android Debug, O=Android).
	Development bool   `json:"development"`
	DER         []byte `json:"der"` // the certificate itself, so a receiver can recompute all of the above
}

// Describe derives the description of cert.
func Describe(cert *x509.Certificate) Certificate {
	info := pins.Info(cert, pins.Leaf) // sanitised, truncated names
	s256, s1 := sha256.Sum256(cert.Raw), sha1.Sum(cert.Raw)
	c := Certificate{
		SHA256: hex.EncodeToString(s256[:]), SHA1: hex.EncodeToString(s1[:]),
		Name: info.Name, Subject: info.Subject, Issuer: info.Issuer,
		Serial:    serialHex(cert),
		NotBefore: info.NotBefore, NotAfter: info.NotAfter,
		KeyAlgorithm: info.Key,
		DER:          append([]byte(nil), cert.Raw...),
	}
	c.Platform, c.TeamID, c.Development = classify(cert)
	return c
}

// FromDER describes a DER certificate, e.g. one stored earlier: a receiver
// recomputes the description rather than trusting a sent one.
func FromDER(der []byte) (Certificate, error) {
	if len(der) > MaxInputSize {
		return Certificate{}, invalidf("certificate is larger than %d bytes", MaxInputSize)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return Certificate{}, invalidf("not a DER certificate: %s", oneLine(err.Error()))
	}
	return Describe(cert), nil
}

// Read reads a certificate or keystore file's content, at most MaxInputSize bytes.
func Read(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return nil, invalidf("reading the certificate: %s", oneLine(err.Error()))
	}
	if len(data) > MaxInputSize {
		return nil, invalidf("input is larger than %d bytes: not a certificate or keystore", MaxInputSize)
	}
	return data, nil
}

func serialHex(cert *x509.Certificate) string {
	if cert.SerialNumber == nil {
		return ""
	}
	return cert.SerialNumber.Text(16)
}

func invalidf(format string, a ...any) error { return fault.New(fault.Invalid, format, a...) }
