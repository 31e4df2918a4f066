package appsig

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// FuzzInspect runs the whole pipeline (front door, format detection,
// parsers, apkverifier behind its guards) on arbitrary bytes: every outcome
// must be a record or a typed error, never a panic.
func FuzzInspect(f *testing.F) {
	for _, name := range []string{"bundle.aab", "bundle-ec.aab", "stripped.apk"} {
		b, err := os.ReadFile(filepath.Join(androidDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		opts := withDefaults(Options{Limits: zipsafe.Limits{MaxEntries: 64, MaxEntrySize: 1 << 20, MaxTotalSize: 4 << 20, MaxRatio: 100}})
		rec, err := inspectReader(context.Background(), bytes.NewReader(b), int64(len(b)), opts)
		if err != nil && fault.KindOf(err) != fault.Invalid {
			t.Fatalf("error of kind %v: %v", fault.KindOf(err), err)
		}
		if err == nil && (rec == nil || !rec.Verified) {
			t.Fatalf("no error but record %+v", rec)
		}
	})
}
