// Package loadgen drives signed reads at approovd the way the CLI sends
// them (a backend.Client over the remote transport: a fresh nonce and an
// Ed25519 signature per request, every answer verified), and reports
// throughput and latency. It is bounded: loopback servers only, a capped
// request count and duration.
package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
)

// Bounds of a run.
const (
	MaxRequests = 500_000
	MaxDuration = 10 * time.Minute // a 5-minute soak fits
)

// Config is one run: Workers callers sending Requests signed reads
// (whoami) in all, paced at Rate per second (0: as fast as they can).
type Config struct {
	Backend backend.Backend
	// Spread, when set, are backends of one account at several instances
	// sharing its store: worker i sends through Spread[i % len] instead.
	Spread   []backend.Backend
	Callers  []backend.Caller // worker i signs as Callers[i % len]
	Workers  int
	Requests int
	Rate     float64
	Duration time.Duration // stop early after this long (at most MaxDuration)
}

func (c Config) backend(worker int) backend.Backend {
	if len(c.Spread) > 0 {
		return c.Spread[worker%len(c.Spread)]
	}
	return c.Backend
}

// Result is what a run measured.
type Result struct {
	Requests, Errors int
	FirstError       error
	Elapsed          time.Duration
	P50, P99, Max    time.Duration
}

// PerSecond is the achieved throughput.
func (r Result) PerSecond() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// String is the figures as one line.
func (r Result) String() string {
	return fmt.Sprintf("%d requests in %s: %.0f req/s, p50 %s, p99 %s, max %s, %d errors",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.PerSecond(), r.P50.Round(10*time.Microsecond),
		r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond), r.Errors)
}

// CheckLoopback refuses a server URL that is not on this machine.
func CheckLoopback(loc string) error {
	base, _, err := auth.SplitPin(loc)
	if err != nil {
		return err
	}
	u, err := url.Parse(base)
	if err != nil {
		return fault.New(fault.Usage, "bad URL %q", loc)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fault.New(fault.Usage, "the load generator targets loopback servers only, not %s", u.Hostname())
	}
	return nil
}

// Run runs cfg and measures it.
func Run(ctx context.Context, cfg Config) Result {
	cfg.Requests = min(max(cfg.Requests, 1), MaxRequests)
	if cfg.Duration <= 0 || cfg.Duration > MaxDuration {
		cfg.Duration = MaxDuration
	}
	cfg.Workers = max(cfg.Workers, 1)
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	tickets := schedule(ctx, cfg)
	lat := make([][]time.Duration, cfg.Workers)
	var errs atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.Workers {
		wg.Go(func() {
			for due := range tickets {
				lat[w] = append(lat[w], call(ctx, cfg.backend(w), cfg.Callers[w%len(cfg.Callers)], due, &errs, &first))
			}
		})
	}
	wg.Wait()
	return summarise(lat, time.Since(start), int(errs.Load()), first.Load())
}

// schedule hands out one ticket per request: at once when unpaced, at
// its due time when paced (an open loop: latency counts from the due
// time, so a slow server cannot hide queueing).
func schedule(ctx context.Context, cfg Config) <-chan time.Time {
	out := make(chan time.Time, cfg.Workers)
	go func() {
		defer close(out)
		start := time.Now()
		for i := range cfg.Requests {
			var due time.Time // unpaced: latency counts from the call
			if cfg.Rate > 0 {
				due = start.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
				time.Sleep(time.Until(due))
			}
			select {
			case out <- due:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func call(ctx context.Context, b backend.Backend, who backend.Caller, due time.Time, errs *atomic.Int64, first *atomic.Value) time.Duration {
	if due.IsZero() {
		due = time.Now()
	}
	if _, err := b.WhoAmI(ctx, who); err != nil && ctx.Err() == nil { // not cut off by the run's end
		if errs.Add(1) == 1 {
			first.Store(err)
		}
	}
	return time.Since(due)
}

func summarise(lat [][]time.Duration, elapsed time.Duration, errs int, first any) Result {
	all := slices.Concat(lat...)
	slices.Sort(all)
	r := Result{Requests: len(all), Errors: errs, Elapsed: elapsed}
	if e, ok := first.(error); ok {
		r.FirstError = e
	}
	if len(all) > 0 {
		r.P50, r.P99, r.Max = all[len(all)/2], all[len(all)*99/100], all[len(all)-1]
	}
	return r
}
