package appsig

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/testtool"
)

var apksignerDigest = regexp.MustCompile(`(?m)^(.*?) certificate SHA-256 digest: ([0-9a-f]{64})$`)

func apksignerCerts(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command(testtool.Need(t, "apksigner"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("apksigner %v: %v\n%s", args, err, out)
	}
	var certs []string
	for _, m := range apksignerDigest.FindAllStringSubmatch(string(out), -1) {
		certs = append(certs, m[2])
	}
	return certs
}

// verifiedSigners returns our signer digests for the scheme that verified.
func verifiedSigners(rec *Record) []string {
	s := rec.APK.Signers
	switch rec.APK.VerifiedScheme {
	case "v1":
		return s.V1
	case "v2":
		return s.V2
	}
	var out []string
	list := s.V3
	if rec.APK.VerifiedScheme == "v3.1" {
		list = s.V31
	}
	for _, v := range list {
		out = append(out, v.CertSHA256)
	}
	return out
}

// TestCrossCheckApksigner: our signer digests equal apksigner's for every
// verified APK fixture, and the lineage equals `apksigner lineage`.
func TestCrossCheckApksigner(t *testing.T) {
	testtool.Need(t, "apksigner")
	for name, want := range verdicts {
		if want != "" || !strings.HasSuffix(name, ".apk") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(androidDir, name)
			rec, err := Inspect(context.Background(), p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			theirs := apksignerCerts(t, "verify", "--print-certs", p)
			ours := verifiedSigners(rec)
			if !slices.Equal(theirs, ours) {
				t.Errorf("apksigner %v, we %v", theirs, ours)
			}
			if len(rec.APK.Lineage) == 0 {
				return
			}
			lin := apksignerCerts(t, "lineage", "--in", p, "--print-certs")
			var ourLin []string
			for _, n := range rec.APK.Lineage {
				ourLin = append(ourLin, n.CertSHA256)
			}
			if !slices.Equal(lin, ourLin) {
				t.Errorf("lineage: apksigner %v, we %v", lin, ourLin)
			}
		})
	}
}

var keytoolSHA256 = regexp.MustCompile(`SHA256: ([0-9A-F:]{95})`)

// TestCrossCheckKeytool: the AAB signer equals `keytool -printcert -jarfile`.
func TestCrossCheckKeytool(t *testing.T) {
	keytool := testtool.Need(t, "keytool")
	for _, name := range []string{"bundle.aab", "bundle-ec.aab", "v1-only.apk"} {
		p := filepath.Join(androidDir, name)
		out, err := exec.Command(keytool, "-printcert", "-jarfile", p).CombinedOutput()
		if err != nil {
			t.Fatalf("keytool: %v\n%s", err, out)
		}
		var theirs []string
		for _, m := range keytoolSHA256.FindAllStringSubmatch(string(out), -1) {
			theirs = append(theirs, strings.ToLower(strings.ReplaceAll(m[1], ":", "")))
		}
		rec, err := Inspect(context.Background(), p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var ours []string
		if rec.AAB != nil {
			ours = rec.AAB.Signers.V1
		} else {
			ours = rec.APK.Signers.V1
		}
		if len(theirs) == 0 || !slices.Equal(theirs, ours) {
			t.Errorf("%s: keytool %v, we %v", name, theirs, ours)
		}
	}
}
