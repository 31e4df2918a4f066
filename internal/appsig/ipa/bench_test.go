package ipa

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/ipa/codesign/codesigntest"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
)

// BenchmarkInspect measures a whole verification (pages, slots, CMS,
// profile, sealed resources, nested code) of the fixtures; bytes/op is the
// IPA size.
func BenchmarkInspect(b *testing.B) {
	for _, name := range []string{"adhoc", "fat", "sealed"} {
		data, err := os.ReadFile(filepath.Join(fixtures, name+".ipa"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				a, err := zipsafe.Open(bytes.NewReader(data), int64(len(data)), zipsafe.DefaultLimits())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Inspect(context.Background(), a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInspectLargeStored verifies a 64 MiB stored executable: B/op
// stays far below the executable size because it is read in place.
func BenchmarkInspectLargeStored(b *testing.B) {
	exe := codesigntest.Synth(codesigntest.CPUARM64, 64<<20, nil)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{"Info.plist": []byte(fuzzInfo), "A": exe} {
		f, err := w.CreateHeader(&zip.FileHeader{Name: "Payload/A.app/" + name, Method: zip.Store})
		if err != nil {
			b.Fatal(err)
		}
		f.Write(data)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		a, err := zipsafe.Open(bytes.NewReader(data), int64(len(data)), zipsafe.DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Inspect(context.Background(), a); err != nil {
			b.Fatal(err)
		}
	}
}
