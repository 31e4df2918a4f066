package appsig

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/apk"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
)

// corpusDir is the apksig corpus: APPROOV_APKSIG_CORPUS, else
// shared/fixtures/apksig beside the repository (or beside its parent, for
// a worktree). .ci/run finds it the same way before any test runs.
func corpusDir(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("APPROOV_APKSIG_CORPUS"); p != "" {
		return p // named explicitly: a missing corpus is then an error, not a skip
	}
	root, _ := filepath.Abs("../..")
	for _, d := range []string{filepath.Join(root, "..", "shared"), filepath.Join(root, "..", "..", "shared")} {
		p := filepath.Join(d, "fixtures", "apksig")
		if _, err := os.Stat(filepath.Join(p, "expected.tsv")); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "" {
		t.Skip("apksig corpus not found: set APPROOV_APKSIG_CORPUS or put shared/fixtures/apksig beside the clone")
	}
	t.Fatal("apksig corpus is required in CI: set APPROOV_APKSIG_CORPUS or put shared/fixtures/apksig beside the clone")
	return ""
}

type corpusRow struct {
	file           string
	minSDK, maxSDK int32
	verified       bool
	detail         string
}

func readCorpus(t *testing.T, dir string) []corpusRow {
	f, err := os.Open(filepath.Join(dir, "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []corpusRow
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 5 {
			t.Fatalf("bad row %q", sc.Text())
		}
		rows = append(rows, corpusRow{c[0], sdk(c[1]), sdk(c[2]), c[3] == "verified", c[4]})
	}
	return rows
}

func sdk(s string) int32 {
	v, _ := strconv.Atoi(s) // "-" gives 0: from the manifest / no bound
	return int32(v)
}

// TestApksigConformance runs Inspect over the reference verifier's own test
// APKs and requires agreement on at least 95 % of the verdicts. Known
// disagreements are listed, with reasons, in docs/apk-conformance.md.
func TestApksigConformance(t *testing.T) {
	dir := corpusDir(t)
	rows := readCorpus(t, dir)
	agree := 0
	for _, r := range rows {
		rec, err := Inspect(context.Background(), filepath.Join(dir, "files", r.file), Options{MinSDK: r.minSDK, MaxSDK: r.maxSDK})
		got := err == nil && rec != nil && rec.Verified
		if got {
			crossCheckFile(t, filepath.Join(dir, "files", r.file), rec)
		}
		if got && r.verified {
			if want := signerDigest.FindStringSubmatch(r.detail); want != nil && !slices.Contains(allSigners(rec), want[1]) {
				t.Errorf("%s: expected signer %s, we found %v", r.file, want[1], allSigners(rec))
			}
		}
		if got == r.verified {
			agree++
			continue
		}
		t.Logf("DISAGREE %s [%s,%s] expected %s, got %s: %v", r.file, sdkStr(r.minSDK), sdkStr(r.maxSDK), verdictWord(r.verified), verdictWord(got), err)
	}
	pct := 100 * float64(agree) / float64(len(rows))
	t.Logf("apksig conformance: %d of %d verdicts agree (%.1f %%)", agree, len(rows), pct)
	if pct < 95 {
		t.Errorf("agreement %.1f %% is below 95 %%", pct)
	}
}

// crossCheckFile recomputes a verified record's file SHA-256 and content
// digests with our own code (see recomputeDiffers).
func crossCheckFile(t *testing.T, path string, rec *Record) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if msg := recomputeDiffers(f, st.Size(), zipsafe.DefaultLimits(), rec); msg != "" {
		t.Errorf("%s: %s", filepath.Base(path), msg)
	}
}

var signerDigest = regexp.MustCompile(`signer cert sha256=([0-9a-f]{64})`)

func allSigners(rec *Record) []string {
	s := rec.APK.Signers
	out := append(append([]string{}, s.V1...), s.V2...)
	for _, v := range append(append([]apk.V3Signer{}, s.V3...), s.V31...) {
		out = append(out, v.CertSHA256)
	}
	return out
}

func sdkStr(v int32) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprint(v)
}

func verdictWord(v bool) string {
	if v {
		return "verified"
	}
	return "rejected"
}
