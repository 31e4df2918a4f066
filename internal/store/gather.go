package store

import (
	"sync"
	"time"
)

// Gather is the queue of a group commit (this package's bbolt store, the
// PostgreSQL store's admissions): items wait while one flusher at a time
// takes every item waiting, up to Max, and hands them to its flush
// function; meanwhile the next group gathers. An idle queue flushes a lone
// item at once, so the wait is at most one flush (plus Linger when busy).
// Set the fields before the first Add.
type Gather[T any] struct {
	Max   int             // items of one flush
	Flush func(items []T) // runs on the flusher, one group at a time
	// Linger, when set, is how long the flusher waits for more items
	// after a group that arrived at BusyRate items a second or more (its
	// items over the time since the group before was taken): a queue that
	// busy is saturated, and the next flush costs about the same however
	// many it carries. A slow flush at a modest rate gathers a large group
	// too, but a low rate: it does not linger.
	Linger   time.Duration
	BusyRate float64
	mu       sync.Mutex
	pending  []T
	running  bool
}

// Add queues item, starting a flusher unless one runs.
func (g *Gather[T]) Add(item T) {
	g.mu.Lock()
	g.pending = append(g.pending, item)
	if !g.running {
		g.running = true
		go g.drain()
	}
	g.mu.Unlock()
}

// drain flushes the waiting items group after group, until none wait.
func (g *Gather[T]) drain() {
	var took time.Time // when the last group was taken
	rate := 0.0        // the items a second it held
	for {
		if g.Linger > 0 && rate >= g.BusyRate {
			time.Sleep(g.Linger)
		}
		g.mu.Lock()
		n := min(len(g.pending), max(g.Max, 1))
		items := g.pending[:n:n]
		g.pending = g.pending[n:]
		if n == 0 {
			g.pending, g.running = nil, false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		now := time.Now()
		if !took.IsZero() {
			rate = float64(n) / max(now.Sub(took).Seconds(), 1e-9)
		}
		took = now
		g.Flush(items)
	}
}
