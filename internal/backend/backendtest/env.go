// Package backendtest is the conformance suite every Backend implementation
// must pass: the protocol cases of DESIGN §3 and security.md §7.1–§7.2 run
// against a fresh account for each case.
package backendtest

import (
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/pins"
)

// Config is what the suite asks an implementation to use.
type Config struct {
	Now    func() time.Time // the service's clock (a fake one)
	Params auth.Params      // cheap Argon2id costs the service must demand
	// Live is how the service must reach API domains for its own live
	// checks: the suite serves LiveDomain on a loopback TLS server.
	Live pins.CheckOptions
}

// Env is a fresh account on the implementation under test.
type Env struct {
	// Backend is the implementation, built over Transport with its clock
	// set to Config.Now.
	Backend backend.Backend
	// Transport is the raw exchange beneath Backend: the suite wraps it to
	// replay, tamper with and forge messages.
	Transport backend.Transport
	// Code is the first user's onboarding code (roles admin and dev).
	Code string
}

// Clock is a fake clock safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// CheapParams are the Argon2id costs the suite runs with: enough to
// exercise the code, cheap enough for -race.
var CheapParams = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}
