package signcert

import (
	"crypto"
	"crypto/x509"
	"errors"
	"strings"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/approov-cli/approov/internal/fault"
)

// parseKeystore opens a PKCS#12 keystore and returns the certificate of its
// key entry. The key itself is only compared with the certificates, then
// dropped. go-pkcs12 reads what it reads: PBES2 (AES, PBKDF2) and the legacy
// RC2/3DES schemes, SHA-1/SHA-2 MACs and PBMAC1.
func parseKeystore(data, password []byte) (Certificate, error) {
	if err := checkIterations(data); err != nil {
		return Certificate{}, err
	}
	key, leaf, cas, err := pkcs12.DecodeChain(data, string(password))
	if err != nil && isNoKey(err) {
		return parseTrustStore(data, password)
	}
	if err != nil {
		return Certificate{}, keystoreErr(err, password)
	}
	if len(cas)+1 > MaxCertificates {
		return Certificate{}, invalidf("the keystore holds more than %d certificates", MaxCertificates)
	}
	cert, err := keyCertificate(key, append([]*x509.Certificate{leaf}, cas...))
	if err != nil {
		return Certificate{}, err
	}
	return Describe(cert), nil
}

// keyCertificate returns the certificate whose public key is key's: a
// keystore lists its chain in any order.
func keyCertificate(key any, certs []*x509.Certificate) (*x509.Certificate, error) {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, invalidf("the keystore's key is of an unsupported type")
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return nil, invalidf("the keystore's key is of an unsupported type")
	}
	for _, c := range certs {
		if pub.Equal(c.PublicKey) {
			return c, nil
		}
	}
	return nil, invalidf("none of the keystore's certificates belongs to its key")
}

// parseTrustStore reads a keystore without a key entry (keytool
// -importcert makes one): its certificates are read like a certificate file's.
func parseTrustStore(data, password []byte) (Certificate, error) {
	certs, err := pkcs12.DecodeTrustStore(data, string(password))
	if err != nil {
		if isMarkedUntrusted(err) {
			return Certificate{}, fault.WithHint(invalidf("the keystore holds neither a key entry nor a trusted-certificate entry"),
				"openssl pkcs12 -in keystore.p12 -nokeys -out cert.pem, then give cert.pem")
		}
		return Certificate{}, keystoreErr(err, password)
	}
	if len(certs) == 0 || len(certs) > MaxCertificates {
		return Certificate{}, invalidf("the keystore holds %d certificates", len(certs))
	}
	leaf, err := signingCert(certs)
	if err != nil {
		return Certificate{}, err
	}
	return Describe(leaf), nil
}

// keystoreErr turns go-pkcs12's errors into ours. Its messages are matched
// as text where it has no sentinel; the fixture tests pin each one.
func keystoreErr(err error, password []byte) error {
	msg := err.Error()
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword) && password == nil:
		return authErr(ErrPasswordRequired)
	case errors.Is(err, pkcs12.ErrIncorrectPassword), strings.Contains(msg, "no MAC in data"):
		return authErr(ErrWrongPassword)
	case strings.Contains(msg, "cannot be encoded in UCS-2"):
		return invalidf("the password holds characters a PKCS#12 password cannot (outside Unicode's basic plane)")
	case strings.Contains(msg, "expected exactly one key bag"):
		return fault.WithHint(invalidf("the keystore holds several key entries: export the certificate of the one that signs"),
			"keytool -list -keystore keystore.p12 (lists aliases), then keytool -exportcert -rfc -keystore keystore.p12 -alias <alias> -file cert.pem")
	case strings.Contains(msg, "certificate missing"):
		return invalidf("the keystore holds a key but no certificate: a key alone cannot name the signer; give the certificate")
	case errors.Is(err, pkcs12.ErrDecryption):
		return invalidf("the keystore's content does not decrypt although its password checked: the file is corrupt")
	}
	return invalidf("unreadable PKCS#12 keystore: %s", oneLine(strings.TrimPrefix(msg, "pkcs12: ")))
}

func isNoKey(err error) bool { return strings.Contains(err.Error(), "private key missing") }

func isMarkedUntrusted(err error) bool {
	return strings.Contains(err.Error(), "not marked as trusted") || strings.Contains(err.Error(), "expected only certificate bags")
}
