package pins_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
)

// BenchmarkCheck100 checks a pin set of 100 loopback endpoints, one of which
// delays its handshake by 500 ms. It reports the run time as a multiple of
// the slow endpoint checked alone: the target is at most 2.
//
//	go test -run XXX -bench Check100 -benchtime 5x ./internal/pins/
func BenchmarkCheck100(b *testing.B) {
	const n, delay = 100, 500 * time.Millisecond
	ca := pinstest.NewCA(b, "Bench Root")
	leaf, key := ca.Leaf(b, pinstest.LeafOptions{Names: []string{"*.bench.test"}})
	cert := pinstest.TLSCert(key, leaf)
	set := &pins.PinSet{Schema: 1}
	opts := pins.CheckOptions{Fetch: pins.FetchOptions{Roots: ca.Pool()}, ConnectTo: map[string]pins.Target{}}
	for i := 0; i < n; i++ {
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
		if i == n/2 {
			cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
				time.Sleep(delay)
				return nil, nil
			}
		}
		name := fmt.Sprintf("d%03d.bench.test", i)
		addr := pinstest.Serve(b, "127.0.0.1:0", cfg)
		tg, _ := pins.ParseTarget(addr)
		opts.ConnectTo[name] = tg
		set.Domains = append(set.Domains, pins.Domain{Name: name, Pins: []pins.PinEntry{
			{SHA256: pins.Compute(leaf), Label: pins.Primary, Type: pins.Leaf},
			{SHA256: pins.Compute(ca.Cert), Label: pins.Backup, Type: pins.Root}}})
	}
	slow := set.Domains[n/2]
	start := time.Now()
	if r := pins.CheckDomain(context.Background(), slow, opts); !r.OK {
		b.Fatal(r.Error)
	}
	slowAlone := time.Since(start)
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		for _, r := range pins.Check(context.Background(), set, opts) {
			if !r.OK {
				b.Fatal(r.Error)
			}
		}
		total += time.Since(start)
	}
	perRun := total / time.Duration(b.N)
	b.ReportMetric(float64(slowAlone.Milliseconds()), "slow-ms")
	b.ReportMetric(float64(perRun)/float64(slowAlone), "x-slowest")
}
