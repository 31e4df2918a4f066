package signcert

import (
	"bytes"
	"crypto/x509"
	"strings"
	"unicode"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Parse reads the app-signing certificate from data: PEM or DER
// certificates, a PKCS#7 bundle, or a PKCS#12 keystore opened with password.
// A nil password means none was given: a keystore is then tried with the
// empty password and ErrPasswordRequired returned if that fails; a non-nil
// one that fails gives ErrWrongPassword. When the input holds several
// certificates, the signing one is the keystore key's certificate, or else the
// only one that issued none of the others (a chain given with its CAs).
func Parse(data, password []byte) (Certificate, error) {
	if len(data) > MaxInputSize {
		return Certificate{}, invalidf("input is larger than %d bytes: not a certificate or keystore", MaxInputSize)
	}
	if err := refuseUnsupported(data); err != nil {
		return Certificate{}, err
	}
	if NeedsPassword(data) {
		return parseKeystore(data, password)
	}
	certs, err := pins.LoadCertificates(data)
	if err != nil {
		return Certificate{}, err
	}
	leaf, err := signingCert(certs)
	if err != nil {
		return Certificate{}, err
	}
	return Describe(leaf), nil
}

// signingCert picks the end of the chain: the one certificate that is not the
// issuer of another in the set.
func signingCert(certs []*x509.Certificate) (*x509.Certificate, error) {
	var leaves []*x509.Certificate
	for _, c := range certs {
		if !issuesAnother(c, certs) && !contains(leaves, c) {
			leaves = append(leaves, c)
		}
	}
	if len(leaves) != 1 {
		return nil, invalidf("the input holds %d certificates of which %d could be the signing one: give only the signing certificate", len(certs), len(leaves))
	}
	return leaves[0], nil
}

func issuesAnother(c *x509.Certificate, certs []*x509.Certificate) bool {
	for _, o := range certs {
		if o != c && bytes.Equal(o.RawIssuer, c.RawSubject) && !bytes.Equal(o.Raw, c.Raw) {
			return true
		}
	}
	return false
}

func contains(certs []*x509.Certificate, c *x509.Certificate) bool {
	for _, o := range certs {
		if bytes.Equal(o.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// oneLine keeps library messages short, on one line and free of control
// characters, so that hostile input cannot rewrite the terminal.
func oneLine(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i >= 200 {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func authErr(err error) error { return fault.Wrap(fault.Auth, err) }
