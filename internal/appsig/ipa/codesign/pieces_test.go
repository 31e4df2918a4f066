package codesign

import (
	"bytes"
	"context"
	"fmt"
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
