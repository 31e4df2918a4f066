package pins

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Defaults for Check.
const (
	DefaultConcurrency = 8
	DefaultExpirySoon  = 30 * 24 * time.Hour
)

// CheckOptions configure Check.
type CheckOptions struct {
	Fetch       FetchOptions // ServerName is ignored: each domain is its own SNI
	Concurrency int          // domains probed at once; default DefaultConcurrency
	// ConnectTo maps a domain to the endpoint to dial instead of domain:443
	// (a staging server, one CDN edge, a loopback test server). SNI and
	// verification still use the domain name.
	ConnectTo  map[string]Target
	ExpirySoon time.Duration // warn when a leaf or pin set expires within it; default 30 days
	// Timeout is the overall deadline of each domain, from when its check
	// starts (not while it waits for a free slot); 0 means DefaultTimeout.
	Timeout time.Duration
}

// Match says which pin of a set matched which certificate of a verified chain.
type Match struct {
	Pin      Pin      `json:"pin"`
	Label    Label    `json:"label"`
	Type     Position `json:"type"`     // as declared in the pin set
	Position Position `json:"position"` // where it was found in the verified chain
	Name     string   `json:"name"`     // the certificate's short subject
	Subject  string   `json:"subject"`
}

// AddressCheck is the result for one resolved address of a domain.
type AddressCheck struct {
	Address     string    `json:"address"`
	OK          bool      `json:"ok"`
	Matched     *Match    `json:"matched,omitempty"`
	LeafPin     string    `json:"leaf_pin,omitempty"`
	LeafExpires time.Time `json:"leaf_expires,omitzero"`
	Error       string    `json:"error,omitempty"`
}

// DomainResult is the outcome of checking one domain of a pin set.
type DomainResult struct {
	Domain    string         `json:"domain"`
	Endpoint  string         `json:"endpoint"`
	OK        bool           `json:"ok"`
	Addresses []AddressCheck `json:"addresses"`
	Warnings  []string       `json:"warnings,omitempty"`
	Error     string         `json:"error,omitempty"`
	Err       error          `json:"-"` // kind Network on failure
}

// Check probes every domain of set, at most opts.Concurrency at a time, and
// reports per domain and address whether a pin matches the verified chain.
// Results are in the set's order. A domain fails when any of its addresses
// cannot be reached, does not verify, or matches none of its pins.
func Check(ctx context.Context, set *PinSet, opts CheckOptions) []DomainResult {
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	results := make([]DomainResult, len(set.Domains))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, d := range set.Domains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(ctx, orDefault(opts.Timeout, DefaultTimeout))
			defer cancel()
			results[i] = CheckDomain(dctx, d, opts)
		}()
	}
	wg.Wait()
	return results
}

// CheckDomain checks one domain (see Check).
func CheckDomain(ctx context.Context, d Domain, opts CheckOptions) DomainResult {
	target, ok := opts.ConnectTo[d.Name]
	if !ok {
		target = Target{Host: d.Name, Port: 443}
	}
	res := DomainResult{Domain: d.Name, Endpoint: target.String()}
	fo := opts.Fetch
	fo.ServerName, fo.Insecure = d.Name, false
	soon := orDefault(opts.ExpirySoon, DefaultExpirySoon)
	res.Warnings = d.Lint(fo.now(), soon)
	eps, err := Fetch(ctx, target, fo)
	for _, ep := range eps {
		res.Addresses = append(res.Addresses, checkAddress(d, ep))
	}
	if err == nil {
		err = firstMismatch(res.Addresses)
	}
	res.Warnings = append(res.Warnings, matchWarnings(d.Name, res.Addresses, fo.now(), soon)...)
	res.OK = err == nil
	if err != nil {
		res.Err, res.Error = err, err.Error()
	}
	return res
}

func checkAddress(d Domain, ep Endpoint) AddressCheck {
	ac := AddressCheck{Address: ep.Address}
	if ep.Err != nil {
		ac.Error = ep.Error
		return ac
	}
	if len(ep.Chain) > 0 {
		ac.LeafPin, ac.LeafExpires = ep.Chain[0].Pin.String(), ep.Chain[0].NotAfter
	}
	ac.Matched = match(d, ep.Chains)
	ac.OK = ac.Matched != nil
	if !ac.OK {
		ac.Error = fmt.Sprintf("%s: no pin of %s matches the verified chain (leaf pin %s)", ep.Address, d.Name, ac.LeafPin)
	}
	return ac
}

// match finds the first pin, primaries before backups, found in any verified
// chain: never in certificates the server sent that did not verify.
func match(d Domain, chains [][]*x509.Certificate) *Match {
	order := slices.Clone(d.Pins)
	slices.SortStableFunc(order, func(a, b PinEntry) int {
		return boolInt(a.Label == Backup) - boolInt(b.Label == Backup)
	})
	for _, p := range order {
		for _, chain := range chains {
			for i, cert := range chain {
				if Compute(cert) == p.SHA256 {
					info := Info(cert, chainPosition(chain, i))
					return &Match{Pin: p.SHA256, Label: p.Label, Type: p.Type, Position: info.Position, Name: info.Name, Subject: info.Subject}
				}
			}
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func firstMismatch(acs []AddressCheck) error {
	for _, ac := range acs {
		if !ac.OK {
			return networkf("%s", ac.Error)
		}
	}
	return nil
}

func matchWarnings(domain string, acs []AddressCheck, now time.Time, soon time.Duration) []string {
	var warns []string
	leaves := map[string]bool{}
	backupOnly, expiring := false, time.Time{}
	for _, ac := range acs {
		if ac.LeafPin != "" {
			leaves[ac.LeafPin] = true
		}
		if ac.Matched != nil && ac.Matched.Label == Backup {
			backupOnly = true
		}
		if !ac.LeafExpires.IsZero() && ac.LeafExpires.Sub(now) < soon && (expiring.IsZero() || ac.LeafExpires.Before(expiring)) {
			expiring = ac.LeafExpires
		}
	}
	if backupOnly {
		warns = append(warns, fmt.Sprintf("domain %s matched only a backup pin: the primary key is not served; promote the backup or fix the server", domain))
	}
	if !expiring.IsZero() {
		warns = append(warns, fmt.Sprintf("domain %s: the leaf certificate expires on %s", domain, expiring.Format(time.DateOnly)))
	}
	if len(leaves) > 1 {
		warns = append(warns, fmt.Sprintf("domain %s: its %d addresses serve %d different leaf keys", domain, len(acs), len(leaves)))
	}
	return warns
}
