package server

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
)

// Limits are request rates (per second) and bursts.
type Limits struct {
	PerAddress, PerAccount     float64
	AddressBurst, AccountBurst int
	// MaxKeys bounds the limiters kept; past it the oldest set is dropped,
	// so a flood of addresses cannot grow memory without bound.
	MaxKeys int
}

// DefaultLimits suit a team's server: generous for people and CI, low
// enough that one client cannot starve the others.
var DefaultLimits = Limits{PerAddress: 200, AddressBurst: 400, PerAccount: 2000, AccountBurst: 4000, MaxKeys: 100_000}

func (l *Limits) defaults() {
	if l.PerAddress <= 0 {
		l.PerAddress, l.AddressBurst = DefaultLimits.PerAddress, DefaultLimits.AddressBurst
	}
	if l.PerAccount <= 0 {
		l.PerAccount, l.AccountBurst = DefaultLimits.PerAccount, DefaultLimits.AccountBurst
	}
	l.AddressBurst = max(l.AddressBurst, 1)
	l.AccountBurst = max(l.AccountBurst, 1)
	if l.MaxKeys <= 0 {
		l.MaxKeys = DefaultLimits.MaxKeys
	}
}

// limiters holds one token bucket per client address and per account.
type limiters struct {
	cfg      Limits
	mu       sync.Mutex
	address  map[string]*rate.Limiter
	accounts map[string]*rate.Limiter
}

func newLimiters(cfg Limits) *limiters {
	return &limiters{cfg: cfg, address: map[string]*rate.Limiter{}, accounts: map[string]*rate.Limiter{}}
}

// allow takes one token from the address's and the account's buckets, or
// says how long to wait.
func (l *limiters) allow(addr, account string) error {
	now := time.Now()
	l.mu.Lock()
	a := l.get(l.address, addr, l.cfg.PerAddress, l.cfg.AddressBurst)
	var acct *rate.Limiter
	if account != "" {
		acct = l.get(l.accounts, account, l.cfg.PerAccount, l.cfg.AccountBurst)
	}
	l.mu.Unlock()
	if !a.AllowN(now, 1) {
		return limited(a, now)
	}
	if acct != nil && !acct.AllowN(now, 1) {
		return limited(acct, now)
	}
	return nil
}

func (l *limiters) get(m map[string]*rate.Limiter, key string, r float64, burst int) *rate.Limiter {
	lim, ok := m[key]
	if !ok {
		if len(m) >= l.cfg.MaxKeys {
			clear(m)
		}
		lim = rate.NewLimiter(rate.Limit(r), burst)
		m[key] = lim
	}
	return lim
}

// limited is the rate-limit refusal: the wait for the next token, at least
// one second (Retry-After counts whole seconds).
func limited(lim *rate.Limiter, now time.Time) error {
	r := lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return &api.RateLimitError{Err: fault.New(fault.Auth, "too many requests: try again shortly"), After: max(wait, time.Second)}
}

// clientAddr is the connection's address. approovd does not trust
// forwarding headers: behind a proxy every client shares its address.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
