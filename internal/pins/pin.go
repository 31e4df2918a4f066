// Package pins computes, parses, fetches, checks and exports SPKI pins: the
// base64 SHA-256 of a certificate's DER SubjectPublicKeyInfo, the value OkHttp
// writes as "sha256/…", Android as <pin digest="SHA-256"> and iOS as
// SPKI-SHA256-BASE64. It knows nothing of terminals: warnings are returned as
// values and errors are classified with internal/fault.
package pins

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
)

// Pin is the SHA-256 digest of a DER-encoded SubjectPublicKeyInfo.
type Pin [sha256.Size]byte

// Compute returns the pin of cert's public key, taken byte for byte from the
// certificate (never re-encoded), so it equals the openssl pipeline's value.
func Compute(cert *x509.Certificate) Pin {
	return sha256.Sum256(cert.RawSubjectPublicKeyInfo)
}

// String returns the canonical form: padded standard base64.
func (p Pin) String() string { return base64.StdEncoding.EncodeToString(p[:]) }

// OkHttp returns the pin as OkHttp's CertificatePinner writes it.
func (p Pin) OkHttp() string { return "sha256/" + p.String() }

// MarshalText writes the canonical base64 form.
func (p Pin) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText accepts only the canonical base64 form; use Parse for the
// lenient, warning-producing parser.
func (p *Pin) UnmarshalText(b []byte) error {
	q, warns, err := Parse(string(b))
	if err != nil {
		return err
	}
	if len(warns) > 0 || q.String() != string(b) {
		return invalidf("pin %q is not in canonical base64 form (want %s)", truncate(string(b), 80), q)
	}
	*p = q
	return nil
}
