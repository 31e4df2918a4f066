package auth

import (
	"container/heap"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

// ReplayCache remembers nonces until they expire.
type ReplayCache interface {
	// Remember records key until expiry. It fails with a fault.Auth error
	// if key was already recorded and has not expired.
	Remember(key string, expiry, now time.Time) error
}

// MemoryReplayCache is a ReplayCache bounded in time (entries are dropped
// once expired) and in size: when full of live entries it refuses new ones
// (failing closed) rather than forgetting a nonce that could be replayed.
type MemoryReplayCache struct {
	mu   sync.Mutex
	max  int
	seen map[string]time.Time
	exp  expiryHeap
}

// NewMemoryReplayCache returns a cache holding at most max live nonces.
func NewMemoryReplayCache(max int) *MemoryReplayCache {
	return &MemoryReplayCache{max: max, seen: make(map[string]time.Time)}
}

// Remember implements ReplayCache.
func (c *MemoryReplayCache) Remember(key string, expiry, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prune(now)
	if _, dup := c.seen[key]; dup {
		return ErrReplay
	}
	if len(c.seen) >= c.max {
		return fault.New(fault.Auth, "too many requests in the replay window; retry in a few minutes")
	}
	c.seen[key] = expiry
	heap.Push(&c.exp, entry{key, expiry})
	return nil
}

// Len returns the number of live entries.
func (c *MemoryReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

func (c *MemoryReplayCache) prune(now time.Time) {
	for len(c.exp) > 0 && !c.exp[0].expiry.After(now) {
		e := heap.Pop(&c.exp).(entry)
		delete(c.seen, e.key)
	}
}

// ErrReplay is returned for a nonce seen before.
var ErrReplay = fault.New(fault.Auth, "request replayed: its nonce was already used")

type entry struct {
	key    string
	expiry time.Time
}

type expiryHeap []entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expiry.Before(h[j].expiry) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
