package signcert_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/testtool"
)

func run(t *testing.T, stdin []byte, tool string, args ...string) string {
	t.Helper()
	if tool == "keytool" { // a JVM that starts faster and stays small
		args = append([]string{"-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"}, args...)
	}
	cmd := exec.Command(testtool.Need(t, tool), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, errb.Bytes())
	}
	return out.String()
}

// colonHex turns "AB:CD" (as keytool and openssl print digests) into "abcd".
func colonHex(s string) string { return strings.ToLower(strings.ReplaceAll(s, ":", "")) }

// keytoolCert is one certificate as keytool prints it.
type keytoolCert struct{ sha256, sha1, serial string }

var keytoolLine = regexp.MustCompile(`(?m)^\s*(Serial number|SHA1|SHA256): ([0-9A-Fa-f:]+)\s*$`)

// keytoolCerts parses the certificates of keytool -printcert / -list -v, in order.
func keytoolCerts(out string) []keytoolCert {
	var certs []keytoolCert
	for _, m := range keytoolLine.FindAllStringSubmatch(out, -1) {
		if m[1] == "Serial number" {
			certs = append(certs, keytoolCert{serial: strings.ToLower(m[2])})
		}
		if len(certs) == 0 {
			continue // a digest before any certificate: not keytool's layout
		}
		switch m[1] {
		case "SHA1":
			certs[len(certs)-1].sha1 = colonHex(m[2])
		case "SHA256":
			certs[len(certs)-1].sha256 = colonHex(m[2])
		}
	}
	return certs
}

// keytoolView lists the certificates keytool sees in a fixture: for a
// keystore, the first is its entry's own certificate.
func keytoolView(t *testing.T, file, password string) []keytoolCert {
	path := filepath.Join(fixtures, file)
	if strings.HasSuffix(file, ".p12") {
		return keytoolCerts(run(t, nil, "keytool", "-list", "-v", "-keystore", path, "-storetype", "PKCS12", "-storepass", password))
	}
	return keytoolCerts(run(t, nil, "keytool", "-printcert", "-file", path))
}

// TestKeytoolAgrees: digests, SHA-1 and serial equal keytool's for every fixture.
func TestKeytoolAgrees(t *testing.T) {
	for _, tc := range readable {
		t.Run(tc.file, func(t *testing.T) {
			c := parse(t, tc.file, tc.password)
			certs := keytoolView(t, tc.file, tc.password)
			if len(certs) == 0 {
				t.Fatal("keytool printed no certificate")
			}
			k := certs[0]
			if tc.file == "apple-dist-chain.pem" {
				k = certs[len(certs)-1] // the CA comes first in this file
			}
			if k.sha256 != c.SHA256 || k.sha1 != c.SHA1 || k.serial != c.Serial {
				t.Errorf("keytool: %+v; ours: %s %s %s", k, c.SHA256, c.SHA1, c.Serial)
			}
		})
	}
}

var opensslFingerprint = regexp.MustCompile(`(?i)sha256 Fingerprint=([0-9A-F:]+)`)

// TestOpenSSLAgrees: SHA-256 equals openssl x509 -fingerprint -sha256 of the
// certificate, extracted from keystores with openssl pkcs12.
func TestOpenSSLAgrees(t *testing.T) {
	for _, tc := range readable {
		t.Run(tc.file, func(t *testing.T) {
			c := parse(t, tc.file, tc.password)
			pem := opensslCert(t, tc.file, tc.password)
			out := run(t, pem, "openssl", "x509", "-noout", "-fingerprint", "-sha256")
			m := opensslFingerprint.FindStringSubmatch(out)
			if m == nil || colonHex(m[1]) != c.SHA256 {
				t.Errorf("openssl: %q; ours: %s", out, c.SHA256)
			}
		})
	}
}

// opensslCert returns the fixture's signing certificate as PEM, by openssl.
func opensslCert(t *testing.T, file, password string) []byte {
	path := filepath.Join(fixtures, file)
	switch {
	case file == "cert-only.p12": // no key entry: no "client" certificate either
		return []byte(run(t, nil, "openssl", "pkcs12", "-legacy", "-in", path, "-nokeys", "-passin", "pass:"+password))
	case strings.HasSuffix(file, ".p12"):
		return []byte(run(t, nil, "openssl", "pkcs12", "-legacy", "-in", path, "-nokeys", "-clcerts", "-passin", "pass:"+password))
	case file == "apple-dist-chain.pem": // openssl x509 reads the first block, the CA: give it the second
		pem := read(t, file)
		return pem[bytes.LastIndex(pem, []byte("-----BEGIN CERTIFICATE-----")):]
	case strings.HasSuffix(file, ".pem"):
		return read(t, file)
	}
	return []byte(run(t, read(t, file), "openssl", "x509", "-inform", "DER"))
}
