//go:build unix

package pins_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"syscall"
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
	// The 99 fast endpoints alone: on a loaded machine their CPU cost, not the
	// slow endpoint, bounds the run; this baseline shows that.
	fast := &pins.PinSet{Schema: 1, Domains: append(append([]pins.Domain{}, set.Domains[:n/2]...), set.Domains[n/2+1:]...)}
	start = time.Now()
	pins.Check(context.Background(), fast, opts)
	fastOnly := time.Since(start)
	b.ResetTimer()
	cpu0 := cpuTime(b)
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
	// CPU per run (both ends of every handshake are in this process): on an
	// idle machine with c cores a run cannot be faster than cpu/c.
	b.ReportMetric(float64((cpuTime(b)-cpu0).Milliseconds())/float64(b.N), "cpu-ms")
	b.ReportMetric(float64(slowAlone.Milliseconds()), "slow-ms")
	b.ReportMetric(float64(fastOnly.Milliseconds()), "fast99-ms")
	b.ReportMetric(float64(perRun)/float64(slowAlone), "x-slowest")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
