// Package alloctest measures heap allocation for tests and fuzz targets that
// assert a parser allocates no more than a bounded multiple of its input.
package alloctest

import "runtime"

// Bytes reports the bytes fn allocates on the heap (cumulative, so memory
// that was allocated and freed again still counts).
func Bytes(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
