package autoreg_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/appsig/aab"
	"github.com/approov-cli/approov/internal/appsig/apk"
	"github.com/approov-cli/approov/internal/appsig/ipa"
	"github.com/approov-cli/approov/internal/signcert"
	"github.com/approov-cli/approov/internal/signcert/autoreg"
)

const (
	certs = "../../../testdata/appsigncert"
	apps  = "../../../testdata/apps"
)

func load(t *testing.T, name string) signcert.Certificate {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(certs, name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := signcert.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCommittedApps measures the committed app fixtures and checks which
// certificate, read back from the apps by gen.sh, covers which build.
func TestCommittedApps(t *testing.T) {
	covered := map[string][]string{ // certificate → the fixtures it covers
		"apk-k1.pem":     {"android/v1-only.apk", "android/v2-only.apk", "android/v3-only.apk", "android/v123.apk", "android/v2-twosigners.apk"},
		"apk-k2.pem":     {"android/rotated.apk", "android/v2-twosigners.apk"},
		"aab-upload.pem": {"android/bundle.aab"},
		"ipa-dev.cer":    {"ios/cms.ipa", "ios/fat.ipa", "ios/sealed.ipa"},
		"release.pem":    nil,
	}
	// rotated.apk: k1 signs its v1/v2 blocks and heads the lineage, but v3
	// verified with k2: past lineage certificates do not count. The tampered,
	// unverified and ad-hoc fixtures are covered by nothing.
	files := []string{"android/rotated.apk", "android/tampered.apk", "android/bundle-tampered.aab",
		"android/v2-ec.apk", "android/bundle-ec.aab", "ios/adhoc.ipa", "ios/team-mismatch.ipa", "ios/bad-page.ipa"}
	for _, list := range covered {
		files = append(files, list...)
	}
	recs := measure(t, files)
	for name, want := range covered {
		cert := load(t, name)
		for file, rec := range recs {
			if got := autoreg.Covers(cert, rec); got != slices.Contains(want, file) {
				t.Errorf("%s covers %s: %v", name, file, got)
			}
		}
	}
}

func measure(t *testing.T, files []string) map[string]appsig.Record {
	t.Helper()
	recs := map[string]appsig.Record{}
	for _, f := range files {
		rec, _ := appsig.Inspect(context.Background(), filepath.Join(apps, f), appsig.Options{})
		if rec == nil {
			t.Fatalf("%s: no record", f)
		}
		recs[f] = *rec
	}
	return recs
}

func TestSignerDigests(t *testing.T) {
	v3 := func(h ...string) []apk.V3Signer {
		var out []apk.V3Signer
		for _, x := range h {
			out = append(out, apk.V3Signer{CertSHA256: x, MinSDK: 28, MaxSDK: 1 << 31})
		}
		return out
	}
	all := apk.Signers{V1: []string{"a1"}, V2: []string{"a2", "b2", "a2"}, V3: v3("a3"), V31: v3("a31")}
	for _, tc := range []struct {
		name string
		rec  appsig.Record
		want []string
	}{
		{"v1", apkRec("v1", all), []string{"a1"}},
		{"v2 deduplicated", apkRec("v2", all), []string{"a2", "b2"}},
		{"v3", apkRec("v3", all), []string{"a3"}},
		{"v3.1", apkRec("v3.1", all), []string{"a31"}},
		{"unknown scheme", apkRec("v4", all), nil},
		{"unverified", appsig.Record{APK: &apk.Measurement{VerifiedScheme: "v2", Signers: all}}, nil},
		{"aab", appsig.Record{Verified: true, AAB: &aab.Measurement{Signers: aab.Signers{V1: []string{"u"}}}}, []string{"u"}},
		{"ipa", ipaRec("TEAM", false), []string{"s"}},
		{"ipa ad-hoc", ipaRec("", true), nil},
		{"empty", appsig.Record{Verified: true}, nil},
	} {
		if got := autoreg.SignerDigests(tc.rec); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func apkRec(scheme string, s apk.Signers) appsig.Record {
	return appsig.Record{Verified: true, APK: &apk.Measurement{VerifiedScheme: scheme, Signers: s,
		Lineage: []apk.LineageNode{{CertSHA256: "old"}, {CertSHA256: "a3"}}}}
}

func ipaRec(team string, adhoc bool) appsig.Record {
	m := &ipa.Measurement{TeamID: team, AdHoc: adhoc}
	if !adhoc {
		m.Signer = &ipa.Signer{CertSHA256: "s", SubjectOU: team}
	}
	return appsig.Record{Verified: true, IPA: m}
}

func TestCoversTeamAndLineage(t *testing.T) {
	for _, tc := range []struct {
		name string
		cert signcert.Certificate
		rec  appsig.Record
		want bool
	}{
		{"same team", signcert.Certificate{SHA256: "s", TeamID: "TEAM"}, ipaRec("TEAM", false), true},
		{"other team", signcert.Certificate{SHA256: "s", TeamID: "OTHER"}, ipaRec("TEAM", false), false},
		{"no team on the certificate", signcert.Certificate{SHA256: "s"}, ipaRec("TEAM", false), true},
		{"past lineage certificate", signcert.Certificate{SHA256: "old"}, apkRec("v3", apk.Signers{V3: []apk.V3Signer{{CertSHA256: "a3"}}}), false},
		{"current lineage certificate", signcert.Certificate{SHA256: "a3"}, apkRec("v3", apk.Signers{V3: []apk.V3Signer{{CertSHA256: "a3"}}}), true},
		{"v1 signer when v2 verified", signcert.Certificate{SHA256: "a1"}, apkRec("v2", apk.Signers{V1: []string{"a1"}, V2: []string{"a2"}}), false},
		{"empty digest", signcert.Certificate{}, appsig.Record{Verified: true, AAB: &aab.Measurement{Signers: aab.Signers{V1: []string{""}}}}, false},
	} {
		if got := autoreg.Covers(tc.cert, tc.rec); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	c, ok := autoreg.Find([]signcert.Certificate{{SHA256: "x"}, {SHA256: "s", Name: "hit"}}, ipaRec("TEAM", false))
	if !ok || c.Name != "hit" {
		t.Errorf("Find: %+v %v", c, ok)
	}
}
