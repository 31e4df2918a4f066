package jar

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"math/big"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
)

// ListSigners names the certificate of each JAR signer without verifying
// any signature: for APKs whose v1 signature avast/apkverifier has already
// verified with Android's own rules (DSA, loose issuer matching, legacy
// encodings), this is the independent read of who signed. The digest is
// over the certificate's original bytes, so certificates Go cannot parse
// still get the digest Android computes.
func ListSigners(a *zipsafe.Archive) ([]Signer, error) {
	names := signatureFiles(a)
	if err := checkSignerCount(names); err != nil {
		return nil, err
	}
	var out []Signer
	for _, n := range names {
		block, err := a.ReadAll(a.Lookup(n[1]), MetaLimit)
		if err != nil {
			return nil, err
		}
		der, attrs, err := signerCert(block)
		if err != nil {
			return nil, invalid("%s: %v", n[1], err)
		}
		sum := sha256.Sum256(der)
		out = append(out, Signer{Name: n[0], CertSHA256: hex.EncodeToString(sum[:]), SignedAttrs: attrs})
	}
	if len(out) == 0 {
		return nil, invalid("no signature (META-INF/*.SF with a .RSA, .DSA or .EC block)")
	}
	return out, nil
}

// The parts of CMS SignedData (RFC 5652) needed to find the signer's certificate.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type certHead struct {
	TBS struct {
		Raw     asn1.RawContent
		Version int `asn1:"optional,explicit,default:0,tag:0"`
		Serial  *big.Int
		SigAlg  asn1.RawValue
		Issuer  asn1.RawValue
	}
}

// signerCert returns the DER of the certificate matching the first
// signerInfo's issuer and serial (serial alone if no issuer matches, or the
// only certificate), and whether that signerInfo has signed attributes.
func signerCert(block []byte) ([]byte, bool, error) {
	var ci contentInfo
	if _, err := asn1.Unmarshal(block, &ci); err != nil {
		return nil, false, errString("malformed PKCS#7 block")
	}
	certsRaw, si, err := splitSignedData(ci.Content.Bytes)
	if err != nil {
		return nil, false, err
	}
	certs, err := rawCerts(certsRaw)
	if err != nil {
		return nil, false, err
	}
	der, err := pickCert(certs, si.sid)
	return der, si.signedAttrs, err
}

type signerID struct {
	sid         issuerAndSerial
	signedAttrs bool
}

// splitSignedData walks SignedData ::= SEQUENCE { version, digestAlgorithms,
// encapContentInfo, [0] certificates OPTIONAL, [1] crls OPTIONAL, signerInfos }
// and returns the certificates' contents and the first signer's ID.
func splitSignedData(b []byte) ([]byte, signerID, error) {
	var sid signerID
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(b, &seq); err != nil || seq.Tag != asn1.TagSequence {
		return nil, sid, errString("malformed PKCS#7 SignedData")
	}
	var certs []byte
	var last asn1.RawValue
	for rest := seq.Bytes; len(rest) > 0; {
		var el asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &el); err != nil {
			return nil, sid, errString("malformed PKCS#7 SignedData")
		}
		if el.Class == asn1.ClassContextSpecific && el.Tag == 0 {
			certs = el.Bytes
		}
		last = el
	}
	if last.Tag != asn1.TagSet || len(last.Bytes) == 0 {
		return nil, sid, errString("PKCS#7 block has no signer")
	}
	// SignerInfo ::= SEQUENCE { version, sid IssuerAndSerialNumber,
	//   digestAlgorithm, [0] signedAttrs OPTIONAL, ... }
	var si, version, digestAlg, next asn1.RawValue
	if _, err := asn1.Unmarshal(last.Bytes, &si); err != nil {
		return nil, sid, errString("malformed PKCS#7 SignerInfo")
	}
	rest, err := asn1.Unmarshal(si.Bytes, &version)
	if err == nil {
		rest, err = asn1.Unmarshal(rest, &sid.sid)
	}
	if err != nil {
		return nil, sid, errString("PKCS#7 SignerInfo has no issuer and serial number")
	}
	if rest, err = asn1.Unmarshal(rest, &digestAlg); err == nil && len(rest) > 0 {
		if _, err := asn1.Unmarshal(rest, &next); err == nil {
			sid.signedAttrs = next.Class == asn1.ClassContextSpecific && next.Tag == 0
		}
	}
	return certs, sid, nil
}

type errString string

func (e errString) Error() string { return string(e) }

func rawCerts(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		var rv asn1.RawValue
		rest, err := asn1.Unmarshal(b, &rv)
		if err != nil {
			return nil, errString("malformed certificate list")
		}
		out = append(out, rv.FullBytes)
		b = rest
	}
	if len(out) == 0 {
		return nil, errString("no certificates")
	}
	return out, nil
}

func pickCert(certs [][]byte, sid issuerAndSerial) ([]byte, error) {
	var bySerial [][]byte
	for _, c := range certs {
		var h certHead
		if _, err := asn1.Unmarshal(c, &h); err != nil || h.TBS.Serial == nil || sid.Serial == nil {
			continue
		}
		if h.TBS.Serial.Cmp(sid.Serial) != 0 {
			continue
		}
		if bytes.Equal(h.TBS.Issuer.FullBytes, sid.Issuer.FullBytes) {
			return c, nil
		}
		bySerial = append(bySerial, c)
	}
	switch {
	case len(bySerial) == 1:
		return bySerial[0], nil
	case len(certs) == 1:
		return certs[0], nil
	}
	return nil, errString("no certificate matches the signer")
}
