package store

import "sync"

// Gather is the queue of a group commit (this package's bbolt store, the
// PostgreSQL store's admissions): items wait while one flusher at a time
// takes every item waiting, up to Max, and hands them to its flush
// function; meanwhile the next group gathers. An idle queue flushes a lone
// item at once, so the wait is at most one flush. Set Max and Flush before
// the first Add.
type Gather[T any] struct {
	Max     int             // items of one flush
	Flush   func(items []T) // runs on the flusher, one group at a time
	mu      sync.Mutex
	pending []T
	running bool
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
	for {
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
		g.Flush(items)
	}
}
