package service_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// benchFact is the i-th attestation of a bench: 200 installations, three
// outcomes, two platforms, the hour given.
func benchFact(i int, at time.Time) service.AttestationFact {
	f := service.AttestationFact{At: at, Outcome: []string{"pass", "pass-risky", "fail"}[i%3], Platform: []string{"android", "ios"}[i%2],
		AppID: "com.example.bench", AppVersion: fmt.Sprintf("1.%d", i%4), Installation: fmt.Sprintf("installation-%d", i%200),
		ClientAddr: fmt.Sprintf("198.51.100.%d", i%250)}
	if f.Outcome != "pass" {
		f.Reasons = []string{"rooted"}
	}
	return f
}

// metricsBenchHarness is a harness on a new store of the kind named.
func metricsBenchHarness(b *testing.B, name string) *harness {
	if name == "bolt" {
		return newHarness(b, nil)
	}
	st, err := postgres.Create(context.Background(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return newHarnessOn(b, st, "https://approovd.example.com", nil)
}

// BenchmarkMetricsRecord is recordAttestation alone, one transaction per
// attestation, on each store; -cpu adds concurrent writers. A write that
// lost every retry counts in conflicts/op. docs/bench/metrics.sh runs it.
func BenchmarkMetricsRecord(b *testing.B) {
	for _, name := range []string{"bolt", "postgres"} {
		b.Run(name, func(b *testing.B) {
			h := metricsBenchHarness(b, name)
			var n, conflicts atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := h.svc.RecordAttestation(h.ctx, "acme", benchFact(int(n.Add(1)), h.clock.Now())); err != nil {
						conflicts.Add(1)
					}
				}
			})
			b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
		})
	}
}

// BenchmarkMetricsQuery is one metrics query of 30 days by day, over
// METRICS_BENCH_N attestations (default 10,000) spread over those days,
// after the compaction that the first query runs (timed on its own, in
// ms of compact-ms).
func BenchmarkMetricsQuery(b *testing.B) {
	total, _ := strconv.Atoi(os.Getenv("METRICS_BENCH_N"))
	total = max(total, 10_000)
	for _, name := range []string{"bolt", "postgres"} {
		b.Run(name, func(b *testing.B) {
			h := metricsBenchHarness(b, name)
			h.enrol()
			now := h.clock.Now()
			for i := range total {
				if err := h.svc.RecordAttestation(h.ctx, "acme", benchFact(i, now.Add(-time.Duration(i%(30*24))*time.Hour))); err != nil {
					b.Fatal(err)
				}
			}
			dev, err := h.login("owner@example.com", role.Dev, "pw-dev")
			if err != nil {
				b.Fatal(err)
			}
			q := api.MetricsQuery{Since: now.Add(-30 * 24 * time.Hour), Until: now, By: "outcome"}
			start := time.Now()
			if _, err := backend.Call(h.ctx, h.b, api.OpMetrics, dev, q); err != nil { // compacts
				b.Fatal(err)
			}
			compact := time.Since(start)
			b.ResetTimer()
			for range b.N {
				m, err := backend.Call(h.ctx, h.b, api.OpMetrics, dev, q)
				if err != nil || m.Total != int64(total) {
					b.Fatalf("metrics: %d attestations, %v", m.Total, err)
				}
			}
			b.ReportMetric(float64(compact.Milliseconds()), "compact-ms")
		})
	}
}
