package ipa

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

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
