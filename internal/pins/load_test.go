package pins_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/testtool"
)

const vectors = "../../testdata/pins"

var kinds = []string{"rsa2048", "p256", "p384", "ed25519"}

// opensslPins reads the pins the openssl pipeline computed (testdata/pins/gen.sh).
func opensslPins(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectors, "pins.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		want[f[0]] = f[1]
	}
	if len(want) != len(kinds) {
		t.Fatalf("pins.txt has %d vectors, want %d", len(want), len(kinds))
	}
	return want
}

func readVector(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectors, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPinsMatchOpenSSLPipeline(t *testing.T) {
	want := opensslPins(t)
	for _, kind := range kinds {
		for _, ext := range []string{".pem", ".der"} {
			t.Run(kind+ext, func(t *testing.T) {
				certs, err := pins.LoadCertificates(readVector(t, kind+ext))
				if err != nil {
					t.Fatal(err)
				}
				if len(certs) != 1 {
					t.Fatalf("got %d certificates", len(certs))
				}
				if got := pins.Compute(certs[0]).String(); got != want[kind] {
					t.Errorf("pin %s, openssl says %s", got, want[kind])
				}
			})
		}
	}
}

func TestLoadBundles(t *testing.T) {
	want := opensslPins(t)
	var messy bytes.Buffer
	messy.WriteString("\xef\xbb\xbfBundle exported by a tool\r\n")
	for _, kind := range kinds {
		messy.WriteString("subject=CN=" + kind + " -- junk between blocks\r\n")
		messy.Write(bytes.ReplaceAll(readVector(t, kind+".pem"), []byte("\n"), []byte("\r\n")))
	}
	tests := []struct {
		name  string
		data  []byte
		kinds []string
	}{
		{"pem with BOM, CRLF and junk", messy.Bytes(), kinds},
		{"pkcs7 pem", readVector(t, "bundle.p7b"), kinds},
		{"pkcs7 der", readVector(t, "bundle.p7c"), kinds[:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := pins.LoadCertificates(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, c := range certs {
				got[pins.Compute(c).String()] = true
			}
			if len(certs) != len(tt.kinds) {
				t.Fatalf("got %d certificates, want %d", len(certs), len(tt.kinds))
			}
			for _, k := range tt.kinds {
				if !got[want[k]] {
					t.Errorf("pin of %s missing", k)
				}
			}
		})
	}
}

func TestLoadRefuses(t *testing.T) {
	secret := "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECRET"
	key := "-----BEGIN PRIVATE KEY-----\n" + secret + "\n-----END PRIVATE KEY-----\n"
	cert := string(readVector(t, "p256.pem"))
	many := strings.Repeat(cert, pins.MaxCertificates+1)
	tests := []struct {
		name, data, want string
	}{
		{"private key", key, "private key"},
		{"private key after a certificate", cert + key, "private key"},
		{"ec private key", strings.ReplaceAll(key, "PRIVATE", "EC PRIVATE"), "private key"},
		{"encrypted key", strings.ReplaceAll(key, "PRIVATE", "ENCRYPTED PRIVATE"), "private key"},
		{"empty", " \n", "empty"},
		{"csr", "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n", "signing request"},
		{"too many", many, "more than"},
		{"too big", strings.Repeat("x", pins.MaxCertFileSize+1), "larger than"},
		{"text", "hello world", "neither PEM"},
		{"bad der", "\x30\x03\x02\x01\x01", "neither a certificate"},
		{"bad pem body", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "PEM block 1"},
		{"no certificate block", "-----BEGIN X-----\nAAAA\n-----END X-----\n", "no valid PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pins.LoadCertificates([]byte(tt.data))
			if err == nil {
				t.Fatal("accepted")
			}
			if fault.KindOf(err) != fault.Invalid {
				t.Errorf("kind %v, want invalid", fault.KindOf(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "MIGH") {
				t.Errorf("error echoes key material: %q", err)
			}
			if strings.Contains(tt.name, "private") && !errors.Is(err, pins.ErrPrivateKey) {
				t.Errorf("not ErrPrivateKey: %v", err)
			}
		})
	}
}

func TestFileInfoPositions(t *testing.T) {
	certs, err := pins.LoadCertificates(readVector(t, "p256.pem"))
	if err != nil {
		t.Fatal(err)
	}
	info := pins.FileInfo(certs)
	// A self-signed end-entity certificate (not a CA) is a leaf, not a root.
	if info[0].Position != pins.Leaf && info[0].Position != pins.Root {
		t.Errorf("position %s", info[0].Position)
	}
	if info[0].Key != "ECDSA P-256" || !strings.Contains(info[0].Subject, "p256.pins.test") {
		t.Errorf("info %+v", info[0])
	}
	if b, _ := pem.Decode(readVector(t, "p256.pem")); b == nil {
		t.Fatal("fixture is not PEM")
	}
}

// Names come from servers and files: control characters must never reach a terminal.
func TestInfoNeutralisesControlCharacters(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "\x1b[2J\x1b]0;pwned\x07evil\nline"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	info := pins.Info(cert, pins.Leaf)
	for _, s := range []string{info.Name, info.Subject, info.IssuerName, info.Issuer} {
		if strings.ContainsAny(s, "\x1b\x07\n") {
			t.Errorf("control characters kept: %q", s)
		}
	}
}

// pins.txt was written by openssl (gen.sh); re-run the pipeline to be sure it
// still describes the committed certificates.
func TestPinsFileMatchesOpenSSLNow(t *testing.T) {
	testtool.Need(t, "openssl")
	want := opensslPins(t)
	for _, kind := range kinds {
		pipeline := "openssl x509 -in " + filepath.Join(vectors, kind+".pem") + " -pubkey -noout | " +
			"openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl enc -base64"
		out, err := exec.Command("sh", "-c", pipeline).Output()
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if got := strings.TrimSpace(string(out)); got != want[kind] {
			t.Errorf("%s: openssl now says %s, pins.txt says %s", kind, got, want[kind])
		}
	}
}
