// Package alloctest measures heap allocation for tests and fuzz targets that
// assert a parser allocates no more than a bounded multiple of its input.
package alloctest

import (
	"runtime"
	"testing"
)

// Bytes reports the bytes fn allocates on the heap (cumulative, so memory
// that was allocated and freed again still counts).
func Bytes(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Bound fails t when fn allocates more than factor×size+slack bytes: the
// memory bound parser fuzz targets assert for an input of size bytes.
func Bound(t testing.TB, size int, factor, slack uint64, fn func()) {
	t.Helper()
	if n, limit := Bytes(fn), factor*uint64(size)+slack; n > limit {
		t.Fatalf("%d bytes of input allocated %d (limit %d)", size, n, limit)
	}
}
