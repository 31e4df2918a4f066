package codesign

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/ipa/codesign/codesigntest"
	"github.com/approov-cli/approov/internal/fault"
)

// TestPagesAcrossPieces: the code is read readChunk and checked cacheChunk
// at a time; a flipped page is named correctly on either side of both
// boundaries, and a clean executable is written to w whole and in order.
func TestPagesAcrossPieces(t *testing.T) {
	const pieces, reads = cacheChunk / DigestedPageSize, readChunk / DigestedPageSize
	clean := codesigntest.Synth(codesigntest.CPUARM64, readChunk+5*cacheChunk/2, nil)
	last := (sigOff(clean) - 1) / DigestedPageSize
	for _, page := range []int{1, pieces - 1, pieces, reads - 1, reads, reads + pieces, last} {
		t.Run(fmt.Sprint(page), func(t *testing.T) {
			b := bytes.Clone(clean)
			b[page*DigestedPageSize+10] ^= 1
			err := parseAndVerify(b)
			want := fmt.Sprintf("code page %d (offset %d)", page, page*DigestedPageSize)
			if fault.KindOf(err) != fault.Invalid || err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error = %v, want invalid containing %q", err, want)
			}
		})
	}
	exe, err := parse(clean)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := exe.Verify(context.Background(), &got); err != nil || !bytes.Equal(got.Bytes(), clean) {
		t.Fatalf("Verify: %v, wrote %d bytes of the %d-byte file", err, got.Len(), len(clean))
	}
}

// TestPageSizes: pages of 64 KiB (larger than a piece) and a single page
// covering all the code (page shift 0) are hashed as they stream by, and a
// flipped byte is blamed on its page.
func TestPageSizes(t *testing.T) {
	const size = readChunk + 3*cacheChunk + 100
	for _, tc := range []struct {
		shift uint8
		flip  int // a byte of page want
		want  string
	}{
		{16, 2<<16 + 5, "code page 2 (offset 131072)"},
		{16, size - 1, "code page 5 (offset 327680)"},
		{0, size - 1, "code page 0 (offset 0)"},
		{0, 70000, "code page 0 (offset 0)"},
	} {
		clean := codesigntest.SynthPageShift(codesigntest.CPUARM64, size, tc.shift)
		if err := parseAndVerify(clean); err != nil {
			t.Fatalf("shift %d: clean: %v", tc.shift, err)
		}
		b := bytes.Clone(clean)
		b[tc.flip] ^= 1
		if err := parseAndVerify(b); fault.KindOf(err) != fault.Invalid || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("shift %d, byte %d flipped: error = %v, want %q", tc.shift, tc.flip, err, tc.want)
		}
	}
}

// TestOnePageFlatMemory: a CodeDirectory whose one page is all the code
// (hostile: the code may be gigabytes) costs a read buffer, not the page.
func TestOnePageFlatMemory(t *testing.T) {
	exe, err := parse(codesigntest.SynthPageShift(codesigntest.CPUARM64, 16<<20, 0))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := exe.Verify(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 2<<20 {
		t.Fatalf("Verify of 16 MiB of code in one page allocated %d bytes", n)
	}
}
