package appsig

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkInspect measures whole inspections of committed fixtures; the
// 256 MiB figures against openssl and apksigner come from
// docs/bench/appsig-bench.sh.
func BenchmarkInspect(b *testing.B) {
	for _, name := range []string{"v123.apk", "rotated.apk", "bundle.aab"} {
		p := filepath.Join(androidDir, name)
		st, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Inspect(context.Background(), p, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
