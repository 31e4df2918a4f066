package store

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestGather: items added from many goroutines are each flushed once, in
// groups of at most Max, by one flusher at a time.
func TestGather(t *testing.T) {
	var running, overlaps atomic.Int32
	var mu sync.Mutex
	seen := map[int]int{}
	var flushed sync.WaitGroup
	flush := func(items []int) {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer running.Add(-1)
		if len(items) > 7 {
			t.Errorf("a group of %d, Max 7", len(items))
		}
		mu.Lock()
		for _, i := range items {
			seen[i]++
		}
		mu.Unlock()
		flushed.Add(-len(items))
	}
	g := &Gather[int]{Max: 7, Flush: flush}
	const n = 2000
	flushed.Add(n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { g.Add(i) })
	}
	wg.Wait()
	flushed.Wait()
	if overlaps.Load() != 0 {
		t.Errorf("%d flushes ran beside another", overlaps.Load())
	}
	for i := range n {
		if seen[i] != 1 {
			t.Fatalf("item %d flushed %d times", i, seen[i])
		}
	}
}
