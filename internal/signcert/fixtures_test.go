package signcert_test

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/signcert"
)

const fixtures = "../../testdata/appsigncert"

const pass = "fixture-pass"

// Signer digests of the committed app fixtures (their golden records).
const (
	apkK1     = "6b44f9691eb7781fee841874e8dc605553a48951b0c1b73fec5d5d9ca436f2ac"
	apkK2     = "04bff34051f4385014b61b80ec0bce6b5485e964fa3cec7502baa8f630a0f8fd"
	aabUpload = "9788a2b08e8d31925d1f448eb8d83c0b68756a2caf070ea388391969065f580b"
	ipaDev    = "010c4e0dcdae81d10b437acc125be15c7c7b6b1de89a4b33ec987390996fc58a"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t testing.TB, name, password string) signcert.Certificate {
	t.Helper()
	var pw []byte
	if password != "" {
		pw = []byte(password)
	}
	c, err := signcert.Parse(read(t, name), pw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

// Every readable fixture, with the file whose certificate it must give.
var readable = []struct {
	file, password, sameAs string
}{
	{"release.pem", "", ""},
	{"release.der", "", "release.pem"},
	{"release.p12", pass, "release.pem"},
	{"release-legacy.p12", pass, "release.pem"},
	{"cert-only.p12", pass, "release.pem"},
	{"openssl-aes.p12", pass, ""},
	{"openssl-legacy.p12", pass, "openssl-aes.p12"},
	{"empty-pass.p12", "", "openssl-aes.p12"},
	{"debug.p12", "android", ""},
	{"apple-dist.cer", "", ""},
	{"apple-dist.p12", pass, "apple-dist.cer"},
	{"apple-dist-chain.pem", "", "apple-dist.cer"},
	{"apk-k1.pem", "", ""},
	{"apk-k2.pem", "", ""},
	{"aab-upload.pem", "", ""},
	{"ipa-dev.cer", "", ""},
}

func TestParseFixtures(t *testing.T) {
	for _, tc := range readable {
		t.Run(tc.file, func(t *testing.T) {
			c := parse(t, tc.file, tc.password)
			checkDescription(t, c)
			if tc.sameAs != "" {
				want := parse(t, tc.sameAs, passwordOf(tc.sameAs))
				if c.SHA256 != want.SHA256 {
					t.Errorf("sha256 %s, want that of %s: %s", c.SHA256, tc.sameAs, want.SHA256)
				}
			}
		})
	}
}

func passwordOf(file string) string {
	for _, tc := range readable {
		if tc.file == file {
			return tc.password
		}
	}
	return ""
}

// checkDescription: every field agrees with the DER the description carries.
func checkDescription(t *testing.T, c signcert.Certificate) {
	t.Helper()
	cert, err := x509.ParseCertificate(c.DER)
	if err != nil {
		t.Fatal(err)
	}
	again, err := signcert.FromDER(c.DER)
	if err != nil || again.SHA256 != c.SHA256 || again.Subject != c.Subject {
		t.Fatalf("FromDER gives %+v, %v", again, err)
	}
	if len(c.SHA256) != 64 || len(c.SHA1) != 40 || strings.ToLower(c.SHA256) != c.SHA256 {
		t.Errorf("digests %q %q", c.SHA256, c.SHA1)
	}
	if !c.NotAfter.Equal(cert.NotAfter) || c.Serial != cert.SerialNumber.Text(16) || c.KeyAlgorithm == "" || c.Name == "" {
		t.Errorf("description %+v", c)
	}
}

func TestAppFixtureCertificates(t *testing.T) {
	for file, want := range map[string]string{
		"apk-k1.pem": apkK1, "apk-k2.pem": apkK2, "aab-upload.pem": aabUpload, "ipa-dev.cer": ipaDev,
	} {
		if got := parse(t, file, "").SHA256; got != want {
			t.Errorf("%s: sha256 %s, want the app measurement's %s", file, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		file, password string
		platform       signcert.Platform
		team           string
		dev            bool
	}{
		{"ipa-dev.cer", "", signcert.Apple, "TEAMID1234", true},
		{"apple-dist.p12", pass, signcert.Apple, "TEAMID1234", false},
		{"debug.p12", "android", signcert.Android, "", true},
		{"release.p12", pass, signcert.Android, "", false},
		{"apk-k1.pem", "", signcert.Android, "", false},
	} {
		c := parse(t, tc.file, tc.password)
		if c.Platform != tc.platform || c.TeamID != tc.team || c.Development != tc.dev {
			t.Errorf("%s: platform %s team %q development %v, want %s %q %v",
				tc.file, c.Platform, c.TeamID, c.Development, tc.platform, tc.team, tc.dev)
		}
	}
}

func TestKeystorePasswords(t *testing.T) {
	data := read(t, "release.p12")
	for _, tc := range []struct {
		name     string
		password []byte
		want     error
	}{
		{"none given", nil, signcert.ErrPasswordRequired},
		{"empty given", []byte{}, signcert.ErrWrongPassword},
		{"wrong", []byte("fixture-pas"), signcert.ErrWrongPassword},
		{"case", []byte("FIXTURE-PASS"), signcert.ErrWrongPassword},
	} {
		_, err := signcert.Parse(data, tc.password)
		if !errors.Is(err, tc.want) || fault.KindOf(err) != fault.Auth {
			t.Errorf("%s: %v (kind %v), want %v (auth)", tc.name, err, fault.KindOf(err), tc.want)
		}
	}
	if !signcert.NeedsPassword(data) || signcert.NeedsPassword(read(t, "release.der")) {
		t.Error("NeedsPassword: a keystore needs one, a certificate does not")
	}
}

func TestRefused(t *testing.T) {
	pem := read(t, "release.pem")
	for _, tc := range []struct {
		name, password string
		data           []byte
		want, hint     string
	}{
		{"release.jks", pass, nil, "keytool -importkeystore -srckeystore k.jks -destkeystore k.p12 -deststoretype PKCS12", "keytool -exportcert"},
		{"jceks", "", []byte("\xce\xce\xce\xce\x00\x00\x00\x02"), "JCEKS keystores are not supported", ""},
		{"key-only.pem", "", nil, "private key", ""},
		{"cert and key", "", append(append([]byte{}, pem...), read(t, "key-only.pem")...), "private key", ""},
		{"key-only.pk8", "", nil, "is a private key", ""},
		{"key-only.p12", pass, nil, "holds a key but no certificate", ""},
		{"two-keys.p12", pass, nil, "several key entries", "-alias <alias>"},
		{"gen.sh", "", nil, "not a certificate", ""},
		{"empty", "", []byte{}, "empty", ""},
		{"BER PKCS#12", "", []byte{0x30, 0x80, 0x02, 0x01, 0x03, 0x30, 0x80}, "BER-encoded", "openssl pkcs12"},
		{"too large", "", make([]byte, signcert.MaxInputSize+1), "larger than", ""},
		{"two unrelated", "", append(append([]byte{}, pem...), read(t, "apk-k1.pem")...), "2 certificates of which 2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data
			if data == nil {
				data = read(t, tc.name)
			}
			_, err := signcert.Parse(data, []byte(tc.password))
			checkInvalid(t, err, tc.want)
			if !strings.Contains(fault.HintOf(err), tc.hint) {
				t.Errorf("hint %q, want %q", fault.HintOf(err), tc.hint)
			}
		})
	}
}

func checkInvalid(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v (kind %v), want invalid with %q", err, fault.KindOf(err), want)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Fatalf("error is not one line: %q", err)
	}
}

func TestRead(t *testing.T) {
	data, err := signcert.Read(strings.NewReader("abc"))
	if err != nil || string(data) != "abc" {
		t.Fatalf("%q %v", data, err)
	}
	_, err = signcert.Read(strings.NewReader(strings.Repeat("a", signcert.MaxInputSize+1)))
	checkInvalid(t, err, "larger than")
}
