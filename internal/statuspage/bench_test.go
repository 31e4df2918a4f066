package statuspage

import (
	"fmt"
	"testing"
)

// countingWriter measures the page without keeping it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkRender renders pages of n domains, each with a week of checks
// every 15 minutes (672 samples) and an outage: docs/bench/statuspage.sh.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		p := Page{Account: "bench", Generated: now}
		for i := range n {
			d := samplePage().Domains[i%3]
			d.Name = fmt.Sprintf("api%04d.example.com", i)
			p.Domains = append(p.Domains, d)
		}
		b.Run(fmt.Sprintf("domains=%d", n), func(b *testing.B) {
			var w countingWriter
			for b.Loop() {
				w.n = 0
				if err := Render(&w, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.n)/1024, "KiB/page")
		})
	}
}
