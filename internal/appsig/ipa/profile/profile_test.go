package profile

import (
	"archive/zip"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/approov-cli/approov/internal/appsig/ipa/plists"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/smallstep/pkcs7"
)

// fixtureProfile is the openssl-cms-signed profile of the committed fixtures.
func fixtureProfile(t testing.TB) []byte {
	t.Helper()
	z, err := zip.OpenReader("../../../../testdata/apps/ios/sealed.ipa")
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	f, err := z.Open("Payload/Fixture.app/embedded.mobileprovision")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signed wraps content in an attached CMS signed by a fresh key.
func signed(t *testing.T, content string) []byte {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	sd, err := pkcs7.NewSignedData([]byte(content))
	if err != nil {
		t.Fatal(err)
	}
	if err := sd.AddSigner(cert, key, pkcs7.SignerInfoConfig{}); err != nil {
		t.Fatal(err)
	}
	out, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseFixture(t *testing.T) {
	p, err := Parse(fixtureProfile(t), plists.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if p.UUID != "11111111-2222-3333-4444-555555555555" || p.Team() != "TEAMID1234" ||
		!p.ExpirationDate.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		len(p.DeveloperCertificates) != 1 || p.ProvisionedDevices != 1 ||
		p.Entitlements["application-identifier"] != "TEAMID1234.com.example.fixture" {
		t.Fatalf("unexpected profile %+v", p)
	}
	if !p.HasCertificate(p.DeveloperCertificates[0]) {
		t.Fatal("HasCertificate is false for its own certificate")
	}
}

const plistHead = `<?xml version="1.0"?><plist version="1.0"><dict>`

func TestParseRejects(t *testing.T) {
	good := fixtureProfile(t)
	tampered := bytes.Clone(good)
	i := bytes.Index(tampered, []byte("TEAMID1234"))
	tampered[i] = 'X'
	deep := plistHead + `<key>UUID</key><string>u</string><key>Entitlements</key><dict><key>a</key>` +
		strings.Repeat("<array>", 40) + strings.Repeat("</array>", 40) + `</dict></dict></plist>`
	tests := []struct {
		name string
		der  []byte
		want string
	}{
		{"empty", nil, "malformed CMS"},
		{"garbage", []byte("not a profile"), "malformed CMS"},
		{"truncated", good[:len(good)/2], "malformed CMS"},
		{"tampered content", tampered, "does not verify"},
		{"not a plist", signed(t, "hello"), "not an XML or binary property list"},
		{"no UUID", signed(t, plistHead+`<key>TeamIdentifier</key><array><string>T</string></array></dict></plist>`), "missing UUID"},
		{"deep entitlements", signed(t, deep), "nested too deeply"},
		{"bad developer cert", signed(t, plistHead+`<key>UUID</key><string>u</string><key>TeamIdentifier</key><array><string>T</string></array>`+
			`<key>ExpirationDate</key><date>2027-01-01T00:00:00Z</date><key>DeveloperCertificates</key><array><data>AAEC</data></array></dict></plist>`),
			"developer certificate 0"},
		{"too large", make([]byte, MaxSize+1), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.der, plists.DefaultLimits())
			if err == nil || fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want invalid containing %q", err, tt.want)
			}
		})
	}
}

// FuzzParse: any input parses or fails with a typed error, never a panic.
// The seed in testdata/fuzz/FuzzParse is the fixtures' profile.
func FuzzParse(f *testing.F) {
	f.Add(fixtureProfile(f))
	f.Fuzz(func(t *testing.T, der []byte) {
		var err error
		alloctest.Bound(t, len(der), 64, 1<<20, func() { _, err = Parse(der, plists.DefaultLimits()) })
		if err != nil && fault.KindOf(err) != fault.Invalid {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
