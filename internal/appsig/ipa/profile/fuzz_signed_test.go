package profile

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/smallstep/pkcs7"

	"github.com/approov-cli/approov/internal/appsig/ipa/plists"
	"github.com/approov-cli/approov/internal/cms"
	"github.com/approov-cli/approov/internal/fault"
)

// signer signs fuzzed content with one key, so that fuzzing reaches the
// plist and the profile facts behind a valid signature.
type signer struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newSigner(tb testing.TB) *signer {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &signer{key: key, cert: cert}
}

func (s *signer) sign(tb testing.TB, content []byte) []byte {
	sd, err := pkcs7.NewSignedData(content)
	if err == nil {
		err = sd.AddSigner(s.cert, s.key, pkcs7.SignerInfoConfig{})
	}
	out, err2 := sd.Finish()
	if err != nil || err2 != nil {
		tb.Fatalf("signing: %v %v", err, err2)
	}
	return out
}

// FuzzParseSigned: any plist content, validly signed, yields a typed error
// or a profile with the facts Parse promises, at a cost in proportion to
// its size. FuzzParse rarely gets past the signature.
func FuzzParseSigned(f *testing.F) {
	p7, err := cms.Parse(fixtureProfile(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p7.Content)
	f.Add([]byte(plistHead + `<key>UUID</key><string>u</string><key>TeamIdentifier</key><array><string>T</string></array>` +
		`<key>ExpirationDate</key><date>2027-01-01T00:00:00Z</date><key>Entitlements</key><dict><key>a</key><true/></dict></dict></plist>`))
	s := newSigner(f)
	f.Fuzz(func(t *testing.T, content []byte) {
		if len(content) == 0 {
			return // pkcs7 encodes no eContent; FuzzParse covers it
		}
		der := s.sign(t, content)
		lim := plists.DefaultLimits()
		var p *Profile
		var err error
		alloctest.Bound(t, len(der), 64, 1<<20, func() { p, err = Parse(der, lim) })
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if p.UUID == "" || len(p.TeamIdentifiers) == 0 || p.ExpirationDate.IsZero() ||
			p.ExpirationDate.Location() != time.UTC || p.SignerSubject != "CN=fuzz" ||
			plists.Depth(p.Entitlements) > lim.MaxDepth {
			t.Fatalf("accepted profile breaks its promises: %+v", p)
		}
	})
}
