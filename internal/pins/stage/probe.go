package stage

import (
	"context"
	"sync"

	"github.com/approov-cli/approov/internal/pins"
)

// Probe sees the live chains of domains (pins.Fetch, verified, each domain
// its own SNI, opts.ConnectTo overriding domain:443), at most
// opts.Concurrency at a time, each within opts.Timeout. Every domain gets
// an entry: a failure is an observation with its error. It is the one part
// of the package that reaches the network, shared by the CLI's early check
// and the service's own.
func Probe(ctx context.Context, domains []string, opts pins.CheckOptions) Live {
	n := opts.Concurrency
	if n <= 0 {
		n = pins.DefaultConcurrency
	}
	live := make(Live, len(domains))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, n)
	for _, d := range domains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			obs := observe(ctx, d, opts)
			mu.Lock()
			live[d] = obs
			mu.Unlock()
		}()
	}
	wg.Wait()
	return live
}

func observe(ctx context.Context, domain string, opts pins.CheckOptions) []Observation {
	target, ok := opts.ConnectTo[domain]
	if !ok {
		target = pins.Target{Host: domain, Port: 443}
	}
	fo := opts.Fetch
	fo.ServerName, fo.Insecure = domain, false
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = pins.DefaultTimeout
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	eps, err := pins.Fetch(dctx, target, fo)
	obs := Observations(eps)
	if len(obs) == 0 && err != nil {
		obs = []Observation{{Address: target.String(), Error: err.Error()}}
	}
	return obs
}
