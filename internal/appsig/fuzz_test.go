package appsig

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/apk"
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
		if err == nil {
			if msg := recomputeDiffers(bytes.NewReader(b), int64(len(b)), opts.Limits, rec); msg != "" {
				t.Fatal(msg)
			}
		}
	})
}

// recomputeDiffers cross-checks a verified record against our own
// recomputation: the file SHA-256 and, for an APK, every content digest,
// which the product takes from the signed data apkverifier verified. It
// returns what differs, or "".
func recomputeDiffers(r io.ReaderAt, size int64, lim zipsafe.Limits, rec *Record) string {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil || hex.EncodeToString(h.Sum(nil)) != rec.FileSHA256 {
		return fmt.Sprintf("file SHA-256 %s, recomputed %x (%v)", rec.FileSHA256, h.Sum(nil), err)
	}
	if rec.APK == nil || len(rec.APK.ContentDigests) == 0 {
		return ""
	}
	a, err := zipsafe.Open(r, size, lim)
	if err != nil {
		return err.Error()
	}
	kinds := map[string]int{"CHUNKED_SHA256": apk.ChunkedSHA256, "CHUNKED_SHA512": apk.ChunkedSHA512}
	sums, err := apk.ContentDigests(context.Background(), a, []int{apk.ChunkedSHA256, apk.ChunkedSHA512}, nil)
	if err != nil {
		return err.Error()
	}
	for _, d := range rec.APK.ContentDigests {
		if d.Hex != hex.EncodeToString(sums[kinds[d.Alg]]) {
			return fmt.Sprintf("%s content digest %s, recomputed %x", d.Alg, d.Hex, sums[kinds[d.Alg]])
		}
	}
	return ""
}
