// Command approov-load measures approovd: it joins a fresh account with
// the onboarding code in --code (as `approov init` would), then sends
// signed reads (whoami) through the CLI's own client and prints
// throughput and latency. Loopback servers only; see docs/bench/approovd.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/loadgen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// maxClients bounds --clients: each holds connections of its own.
const maxClients = 1024

func run() error {
	codeFile := flag.String("code", "", "file holding a fresh account's first onboarding code")
	workers := flag.Int("workers", 16, "concurrent callers")
	sessions := flag.Int("sessions", 8, "admin sessions the workers share (each signs at most 10,000 requests in 5 minutes)")
	requests := flag.Int("requests", 20000, "requests per run (at most 500000)")
	rate := flag.Float64("rate", 0, "requests per second (0: as fast as possible)")
	duration := flag.Duration("duration", 30*time.Second, "stop a run after this long (at most 10m)")
	profile := flag.String("cpuprofile", "", "write the load generator's CPU profile of the run (not the onboarding) to this file")
	http1 := flag.Bool("http1", false, "speak HTTP/1.1, a connection per worker (default: HTTP/2, as the CLI)")
	clients := flag.Int("clients", 0, "separate clients, each with its own connections (as that many CLI processes), the workers taking them in turn; 0: one client per instance, shared by its workers")
	var spread []string
	flag.Func("url", "send through this instance too (https://host:port of an approovd on the same store and certificate; repeatable: the workers take them in turn)",
		func(u string) error { spread = append(spread, u); return nil })
	flag.Parse()
	if *clients < 0 || *clients > maxClients {
		return fmt.Errorf("--clients must be 0 to %d", maxClients)
	}
	if os.Getenv("GOGC") == "" {
		// As approovd serve: a small live heap, all else garbage at once.
		debug.SetGCPercent(400)
	}
	raw, err := os.ReadFile(*codeFile)
	if err != nil {
		return err
	}
	code, err := auth.ParseCode(strings.TrimSpace(string(raw)))
	if err != nil {
		return err
	}
	for _, loc := range code.Backend {
		if err := loadgen.CheckLoopback(loc); err != nil {
			return err
		}
	}
	b, err := remote.Open(code.Account, code.ServiceKey, remote.Options{URLs: code.Backend, MaxConns: *workers, HTTP1: *http1}, nil)
	if err != nil {
		return err
	}
	ctx := context.Background()
	callers, err := loadgen.Onboard(ctx, b, code, *sessions)
	if err != nil {
		return err
	}
	instances := max(len(spread), 1)
	others, err := spreadBackends(code, clientURLs(code, spread, *clients), remote.Options{MaxConns: *workers, HTTP1: *http1})
	if err != nil {
		return err
	}
	stopProfile, err := startProfile(*profile)
	if err != nil {
		return err
	}
	cpu := cpuTime()
	res := loadgen.Run(ctx, loadgen.Config{Backend: b, Spread: others, Callers: callers, Workers: *workers, Requests: *requests, Rate: *rate, Duration: *duration})
	cpu = cpuTime() - cpu
	stopProfile()
	fmt.Printf("signed reads (whoami), %d workers over %d instance(s)%s, %s, rate %s: %s\n", *workers, instances, clientsText(*clients), protoText(*http1), rateText(*rate), res)
	fmt.Printf("  load generator CPU: %.0f us per request (signing, verifying, HTTP)\n", float64(cpu.Microseconds())/float64(max(res.Requests, 1)))
	if res.FirstError != nil {
		fmt.Printf("first error: %v\n", res.FirstError)
	}
	return nil
}

// startProfile starts a CPU profile to path ("": none) and returns its stop.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func rateText(r float64) string {
	if r <= 0 {
		return "unpaced"
	}
	return fmt.Sprintf("%.0f/s", r)
}

func protoText(http1 bool) string {
	if http1 {
		return "HTTP/1.1"
	}
	return "HTTP/2"
}

// clientURLs is the location of each separate client: n of them over
// the instances (the --url ones, else the code's first) in turn; none for
// n = 0, so that urls alone decide.
func clientURLs(code auth.Code, urls []string, n int) []string {
	if n <= 0 {
		return urls
	}
	if len(urls) == 0 {
		base, _, _ := auth.SplitPin(code.Backend[0])
		urls = []string{base}
	}
	out := make([]string, n)
	for i := range out {
		out[i] = urls[i%len(urls)]
	}
	return out
}

func clientsText(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" from %d clients", n)
}

// spreadBackends opens the account at each of urls with opts, trusting
// the certificate pin of the code's first location (instances sharing a
// state directory share their --dev certificate).
func spreadBackends(code auth.Code, urls []string, opts remote.Options) ([]backend.Backend, error) {
	_, pin, err := auth.SplitPin(code.Backend[0])
	if err != nil {
		return nil, err
	}
	var out []backend.Backend
	for _, u := range urls {
		if pin != nil {
			u = auth.WithPin(u, pin)
		}
		if err := loadgen.CheckLoopback(u); err != nil {
			return nil, err
		}
		opts.URLs = []string{u}
		b, err := remote.Open(code.Account, code.ServiceKey, opts, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
