package signcert_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/approov-cli/approov/internal/signcert"
)

// newCert makes a certificate for key, signed by parent (self-signed when nil).
func newCert(t *testing.T, cn string, key, parentKey *ecdsa.PrivateKey, parent *x509.Certificate) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0),
		IsCA: parent == nil, BasicConstraintsValid: true,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestKeystoreLeafByKey: the certificate of the key entry is chosen even when
// the keystore lists its CA first, and a key matching no certificate is refused.
func TestKeystoreLeafByKey(t *testing.T) {
	caKey, leafKey := newKey(t), newKey(t)
	ca := newCert(t, "CA", caKey, nil, nil)
	leaf := newCert(t, "Apple Development: Someone (AB12CD34EF)", leafKey, caKey, ca)
	for _, enc := range []*pkcs12.Encoder{pkcs12.Modern, pkcs12.LegacyDES, pkcs12.LegacyRC2} {
		data, err := enc.Encode(leafKey, ca, []*x509.Certificate{leaf}, "pw")
		if err != nil {
			t.Fatal(err)
		}
		c, err := signcert.Parse(data, []byte("pw"))
		if err != nil || c.Name != leaf.Subject.CommonName || c.Platform != signcert.Apple || !c.Development {
			t.Errorf("got %+v, %v; want the leaf", c, err)
		}
	}
	data, _ := pkcs12.Modern.Encode(newKey(t), ca, nil, "pw")
	_, err := signcert.Parse(data, []byte("pw"))
	checkInvalid(t, err, "none of the keystore's certificates belongs to its key")
}

// pfxWithMAC is a PFX shell whose MacData asks for iter iterations: enough
// to reach the iteration check, no key derivation needed to build it.
func pfxWithMAC(t *testing.T, iter int64) []byte {
	type algID struct{ OID asn1.ObjectIdentifier }
	type macData struct {
		Mac struct {
			Alg    algID
			Digest []byte
		}
		Salt []byte
		Iter int64
	}
	pfx := struct {
		Version  int
		AuthSafe struct {
			OID     asn1.ObjectIdentifier
			Content asn1.RawValue `asn1:"explicit,tag:0"`
		}
		Mac macData
	}{Version: 3}
	pfx.AuthSafe.OID = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	pfx.AuthSafe.Content = asn1.RawValue{Tag: asn1.TagOctetString, Bytes: []byte{0x30, 0x00}}
	pfx.Mac.Mac.Alg.OID = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	pfx.Mac.Mac.Digest, pfx.Mac.Salt, pfx.Mac.Iter = make([]byte, 20), []byte("salt"), iter
	der, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestKeystoreIterationBound(t *testing.T) {
	for _, tc := range []struct {
		iter    int64
		refused bool
	}{{signcert.MaxIterations, false}, {signcert.MaxIterations + 1, true}, {1 << 62, true}, {-5, false}} {
		data := pfxWithMAC(t, tc.iter)
		if !signcert.NeedsPassword(data) {
			t.Fatal("the shell is not taken for a PKCS#12 file")
		}
		_, err := signcert.Parse(data, []byte("pw"))
		if err == nil || strings.Contains(err.Error(), "key-derivation iterations") != tc.refused {
			t.Errorf("%d iterations: %v", tc.iter, err)
		}
	}
}

// TestTrustStoreOfSeveral: a key-less keystore with a chain gives its leaf.
func TestTrustStoreOfSeveral(t *testing.T) {
	caKey, leafKey := newKey(t), newKey(t)
	ca := newCert(t, "CA", caKey, nil, nil)
	leaf := newCert(t, "leaf", leafKey, caKey, ca)
	data, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{ca, leaf}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := signcert.Parse(data, []byte("pw")); err != nil || c.Name != "leaf" {
		t.Fatalf("%+v %v", c, err)
	}
	other := newCert(t, "other", newKey(t), nil, nil)
	data, _ = pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{ca, other}, "pw")
	_, err = signcert.Parse(data, []byte("pw"))
	checkInvalid(t, err, "could be the signing one")
}

func TestPasswordOutsideBMP(t *testing.T) {
	_, err := signcert.Parse(read(t, "release.p12"), []byte("pass\U0001F600"))
	if err == nil || !strings.Contains(err.Error(), "basic plane") {
		t.Fatalf("%v", err)
	}
}
