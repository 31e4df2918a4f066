package plists

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"
)

// TestSharedContainersBoundedByInput: 138 bytes of arrays sharing arrays
// expand to 2^20-1 values, within DefaultLimits' MaxValues, and used to cost
// 29 MB. A binary plist may now expand to at most one value per input byte
// (or minSharedValues).
func TestSharedContainersBoundedByInput(t *testing.T) {
	b := bplistDAG(19)
	var v any
	var err error
	n := alloctest.Bytes(func() { err = Decode(b, &v, "x", DefaultLimits()) })
	if err == nil || !strings.Contains(err.Error(), "too many values") {
		t.Fatalf("err = %v", err)
	}
	if n > 64<<10 {
		t.Errorf("decoding %d bytes allocated %d", len(b), n)
	}
	var small any
	if err := Decode(bplistDAG(5), &small, "x", DefaultLimits()); err != nil {
		t.Errorf("63 values from %d bytes: %v", len(bplistDAG(5)), err)
	}
}
