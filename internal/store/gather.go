package store

import "sync"

// Gather is the queue of a group commit (this package's bbolt store, the
// PostgreSQL store's admissions): items wait while one flusher at a time
// takes every item waiting, up to Max, and hands them to its flush
// function; meanwhile the next group gathers. An idle queue flushes a lone
// item at once, so the wait is at most one flush. The zero value is ready
// once Max is set.
type Gather[T any] struct {
	Max     int // items of one flush
	mu      sync.Mutex
	pending []T
	running bool
}

// Add queues item, starting a flusher running flush unless one runs.
func (g *Gather[T]) Add(item T, flush func([]T)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending = append(g.pending, item)
	if !g.running {
		g.running = true
		go g.drain(flush)
	}
}

// drain flushes the waiting items group after group, until none wait.
func (g *Gather[T]) drain(flush func([]T)) {
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
		flush(items)
	}
}
