package service

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
	"github.com/approov-cli/approov/internal/store"
)

// benchDomains is how many domains BenchmarkMonitorRound checks per round
// (pins.MaxDomains: one account's whole pin set).
const benchDomains = pins.MaxDomains

// BenchmarkMonitorRound checks 1,000 pinned domains, spread over 10
// loopback TLS servers, in one round (every domain due), with the default
// concurrency: the cost of one interval (docs/bench/monitoring.sh).
func BenchmarkMonitorRound(b *testing.B) {
	ca := pinstest.NewCA(b, "bench root")
	leaf, key := ca.Leaf(b, pinstest.LeafOptions{Names: []string{"*.bench.test"}})
	connect := map[string]pins.Target{}
	set := &pins.PinSet{Schema: pins.SchemaVersion}
	var addrs []pins.Target
	for range 10 {
		t, err := pins.ParseTarget(pinstest.ServeTLS(b, key, leaf))
		if err != nil {
			b.Fatal(err)
		}
		addrs = append(addrs, t)
	}
	for i := range benchDomains {
		name := fmt.Sprintf("d%04d.bench.test", i)
		connect[name] = addrs[i%len(addrs)]
		set.Domains = append(set.Domains, pins.Domain{Name: name, Pins: []pins.PinEntry{{SHA256: pins.Compute(leaf), Label: pins.Primary, Type: pins.Leaf}}})
	}
	now := time.Now().UTC()
	clock := func() time.Time { return now }
	path := filepath.Join(b.TempDir(), "bench.db")
	st, err := store.CreateBolt(path, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := New(st, Options{Now: clock, Location: []string{"local:" + path}, Live: pins.CheckOptions{Fetch: pins.FetchOptions{Roots: ca.Pool()}, ConnectTo: connect}})
	ctx := context.Background()
	if _, err := s.CreateAccount(ctx, CreateAccountRequest{Name: "bench", FirstUser: "owner@example.com"}); err != nil {
		b.Fatal(err)
	}
	must(b, st.Update(ctx, func(tx store.Tx) error {
		if err := putJSON(tx, store.Pins, pinVersionKey("bench", 1), &pinVersionRec{Set: set}); err != nil {
			return err
		}
		return putJSON(tx, store.Pins, pinHeadKey("bench"), pinHead{Version: 1})
	}))
	var peak uint64
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(DefaultMonitorInterval)
		stop := sampleHeap(&peak)
		stats, err := s.MonitorRound(ctx, "bench")
		stop()
		if err != nil || stats.Checked != benchDomains || stats.Failing != 0 {
			b.Fatalf("round = %+v, %v", stats, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/round")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// sampleHeap records the peak heap in use while a round runs.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-finished }
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}
