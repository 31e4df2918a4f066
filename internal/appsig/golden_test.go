package appsig

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const androidDir = "../../testdata/apps/android"

// verdicts lists every Android fixture with its expected outcome; a
// fixture added to the directory without a row here fails the test.
var verdicts = map[string]string{
	"v1-only.apk":         "",
	"v2-only.apk":         "",
	"v3-only.apk":         "",
	"v123.apk":            "",
	"v2-ec.apk":           "",
	"v2-twosigners.apk":   "",
	"rotated.apk":         "",
	"unsigned.apk":        "requires a minimum of signature scheme v2",
	"tampered.apk":        "did not verify",
	"stripped.apk":        "downgrade attack",
	"bundle.aab":          "",
	"bundle-ec.aab":       "",
	"bundle-tampered.aab": `entry "base/assets/hello.txt" does not match its manifest digest`,
	"bundle-unsigned.aab": "no META-INF/MANIFEST.MF",
}

func TestGoldenAndroid(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(androidDir, "*.a[pa][kb]"))
	if len(files) != len(verdicts) {
		t.Errorf("%d fixtures, %d verdicts", len(files), len(verdicts))
	}
	for _, p := range files {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			want, ok := verdicts[name]
			if !ok {
				t.Fatalf("no expected verdict for %s", name)
			}
			rec, err := Inspect(context.Background(), p, Options{})
			checkVerdict(t, rec, err, want)
			compareGolden(t, p, rec)
			if rec.Verified {
				crossCheckFile(t, p, rec)
			}
		})
	}
}

func checkVerdict(t *testing.T, rec *Record, err error, want string) {
	t.Helper()
	if rec == nil {
		t.Fatalf("no record: %v", err)
	}
	if want == "" {
		if err != nil || !rec.Verified || rec.Problem != "" {
			t.Fatalf("want verified, got %v (problem %q)", err, rec.Problem)
		}
		return
	}
	if err == nil || fault.KindOf(err) != fault.Invalid || rec.Verified || !strings.Contains(rec.Problem, want) {
		t.Fatalf("want Invalid %q, got err %v, record verified=%v problem %q", want, err, rec.Verified, rec.Problem)
	}
}

func compareGolden(t *testing.T, path string, rec *Record) {
	t.Helper()
	b, err := CanonicalJSON(rec)
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	json.Indent(&pretty, b, "", "  ")
	pretty.WriteByte('\n')
	golden := path[:len(path)-len(filepath.Ext(path))] + "." + filepath.Ext(path)[1:] + ".golden.json"
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(want, pretty.Bytes()) {
		t.Errorf("record differs from %s:\n%s", golden, pretty.Bytes())
	}
}

func TestCanonicalJSONSortsKeys(t *testing.T) {
	b, err := CanonicalJSON(&Record{SchemaVersion: 1, Format: "apk", FileSHA256: "ab"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"file_name":"","file_sha256":"ab","file_size":0,"format":"apk","schema_version":1,"verified":false}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestRejectsNonPackages(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty.apk": nil,
		"text.apk":  []byte("not a zip at all, just text that is long enough"),
	}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		rec, err := Inspect(context.Background(), p, Options{})
		if rec != nil || fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: rec=%v err=%v", name, rec, err)
		}
	}
	if _, err := Inspect(context.Background(), dir, Options{}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("directory: %v", err)
	}
	big := filepath.Join(androidDir, "v2-only.apk")
	if _, err := Inspect(context.Background(), big, Options{MaxFileSize: 1000}); err == nil || !strings.Contains(err.Error(), "exceed the limit") {
		t.Errorf("size limit: %v", err)
	}
}

// TestDispatchIPA: IPAs are detected by content and measured by package ipa
// (whose own golden files cover the measurement itself).
func TestDispatchIPA(t *testing.T) {
	dir := "../../testdata/apps/ios"
	rec, err := Inspect(context.Background(), filepath.Join(dir, "cms.ipa"), Options{})
	if err != nil || rec.Format != FormatIPA || rec.IPA == nil || !rec.Verified || rec.APK != nil {
		t.Fatalf("cms.ipa: %+v, %v", rec, err)
	}
	rec, err = Inspect(context.Background(), filepath.Join(dir, "bad-page.ipa"), Options{})
	if fault.KindOf(err) != fault.Invalid || rec == nil || rec.Verified || rec.IPA == nil {
		t.Fatalf("bad-page.ipa: %+v, %v", rec, err)
	}
}

func TestBudgetAndProgress(t *testing.T) {
	p := filepath.Join(androidDir, "v123.apk")
	if _, err := Inspect(context.Background(), p, Options{Budget: time.Nanosecond}); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "time budget") {
		t.Errorf("budget: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Inspect(ctx, p, Options{}); fault.KindOf(err) != fault.Cancelled {
		t.Errorf("cancelled: %v", err)
	}
	var last, total atomic.Int64
	if _, err := Inspect(context.Background(), p, Options{Progress: func(d, n int64) { last.Store(d); total.Store(n) }}); err != nil {
		t.Fatal(err)
	}
	if last.Load() == 0 || last.Load() != total.Load() {
		t.Errorf("progress ended at %d of %d", last.Load(), total.Load())
	}
}
