package store

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// TestGatherLingersOnlyWhenBusy: a lone item on an idle queue is flushed
// at once, however long Linger is; after a group that arrived at BusyRate
// or more the flusher waits Linger before taking the next, and below that
// rate it does not wait.
func TestGatherLingersOnlyWhenBusy(t *testing.T) {
	flushed := make(chan []int, 10)
	g := &Gather[int]{Max: 100, Flush: func(items []int) { flushed <- items }, Linger: time.Hour, BusyRate: 1}
	g.Add(1)
	select {
	case <-flushed:
	case <-time.After(10 * time.Second):
		t.Fatal("a lone item on an idle queue waited for the linger")
	}
	const linger = 150 * time.Millisecond
	if waited := afterBusyGroup(t, linger, 10); waited < linger {
		t.Fatalf("the flush after a busy group came %v after it, want at least %v", waited, linger)
	}
	if waited := afterBusyGroup(t, time.Hour, 1e12); waited > 10*time.Second {
		t.Fatalf("the flush after a group below BusyRate waited %v", waited)
	}
}

// afterBusyGroup flushes one item while three gather, then adds a fifth
// once the three are flushed, and returns how long after it was flushed.
func afterBusyGroup(t *testing.T, linger time.Duration, busyRate float64) time.Duration {
	t.Helper()
	started, block := make(chan struct{}), make(chan struct{})
	done := make(chan time.Time, 10)
	g := &Gather[int]{Max: 100, Linger: linger, BusyRate: busyRate, Flush: func(items []int) {
		if items[0] == 0 {
			close(started)
			<-block // the first flush holds the queue while a group gathers
		}
		done <- time.Now()
	}}
	g.Add(0)
	<-started
	for i := 1; i <= 3; i++ {
		g.Add(i)
	}
	close(block)
	<-done
	groupDone := <-done
	g.Add(4)
	select {
	case last := <-done:
		return last.Sub(groupDone)
	case <-time.After(20 * time.Second):
		return 20 * time.Second
	}
}
