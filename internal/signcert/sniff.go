package signcert

import (
	"bytes"
	"encoding/asn1"
	"encoding/binary"

	"github.com/approov-cli/approov/internal/fault"
)

// Magic numbers of Java's proprietary keystores.
const (
	magicJKS   = 0xFEEDFEED
	magicJCEKS = 0xCECECECE
)

// NeedsPassword reports whether data is a PKCS#12 keystore, the one input
// Parse opens with a password. It reads only the first DER elements.
func NeedsPassword(data []byte) bool {
	v, ok := firstInteger(data)
	return ok && v == 3 // PFX ::= SEQUENCE { version INTEGER {v3(3)}, … }
}

// refuseUnsupported recognises inputs Parse does not read and says what to
// do instead: Java keystores, BER-encoded PKCS#12, DER private keys (PEM keys
// are refused by the certificate loader).
func refuseUnsupported(data []byte) error {
	if len(data) >= 4 {
		switch binary.BigEndian.Uint32(data) {
		case magicJKS:
			return javaKeystore("JKS")
		case magicJCEKS:
			return javaKeystore("JCEKS")
		}
	}
	if bytes.HasPrefix(data, []byte{0x30, 0x80, 0x02, 0x01, 0x03}) {
		return fault.WithHint(invalidf("BER-encoded PKCS#12 keystore: only DER is supported; extract the certificate instead"),
			"openssl pkcs12 -in keystore.p12 -nokeys -clcerts -out cert.pem")
	}
	if isDERPrivateKey(data) {
		return invalidf("the input is a private key (such as an apksigner .pk8), not a certificate: give the certificate (.pem, .der, .cer) or the keystore")
	}
	return nil
}

func javaKeystore(kind string) error {
	return fault.WithHint(
		invalidf("%s keystores are not supported: convert it to PKCS#12 first: keytool -importkeystore -srckeystore k.jks -destkeystore k.p12 -deststoretype PKCS12", kind),
		"or export the certificate alone: keytool -exportcert -rfc -keystore k.jks -alias <alias> -file cert.pem")
}

// isDERPrivateKey spots the DER private-key shapes: PKCS#1 RSA and PKCS#8
// (SEQUENCE { INTEGER 0, … }), SEC 1 EC (SEQUENCE { INTEGER 1, OCTET STRING … })
// and encrypted PKCS#8 (SEQUENCE { SEQUENCE { OID, … }, OCTET STRING }).
// No certificate, PKCS#7 or PKCS#12 structure starts like these.
func isDERPrivateKey(data []byte) bool {
	if v, ok := firstInteger(data); ok {
		return v == 0 || v == 1
	}
	first, ok := firstElement(data)
	if !ok || first.Tag != asn1.TagSequence {
		return false
	}
	var inner asn1.RawValue
	_, err := asn1.Unmarshal(first.Bytes, &inner)
	return err == nil && inner.Class == asn1.ClassUniversal && inner.Tag == asn1.TagOID
}

// firstElement returns the first element inside a DER SEQUENCE.
func firstElement(data []byte) (asn1.RawValue, bool) {
	var outer, first asn1.RawValue
	if _, err := asn1.Unmarshal(data, &outer); err != nil || outer.Tag != asn1.TagSequence || !outer.IsCompound {
		return first, false
	}
	if _, err := asn1.Unmarshal(outer.Bytes, &first); err != nil || first.Class != asn1.ClassUniversal {
		return first, false
	}
	return first, true
}

// firstInteger returns the value of a small INTEGER that opens a DER SEQUENCE.
func firstInteger(data []byte) (int, bool) {
	first, ok := firstElement(data)
	if !ok || first.Tag != asn1.TagInteger || len(first.Bytes) != 1 {
		return 0, false
	}
	return int(first.Bytes[0]), true
}
