package aab

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
)

// countingReader counts the bytes read from the file.
type countingReader struct {
	r *bytes.Reader
	n atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// bundleWithExtras is the signed fixture plus n entries of zeros that its
// manifest does not list.
func bundleWithExtras(t *testing.T, n int) []byte {
	src, err := os.ReadFile("../../../testdata/apps/android/bundle.aab")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	zeros := make([]byte, 1<<20-1) // under the ratio check's floor
	for i := range n {
		w, err := zw.Create("base/assets/zero" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ".bin")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A bundle whose entries are not all in its manifest is rejected before any
// entry is inflated: a crafted 75 MB bundle of 16,000 zero entries used to
// be inflated in full (12.8 s) first (issue 8, defect 8).
func TestMembershipCheckedBeforeInflating(t *testing.T) {
	b := bundleWithExtras(t, 300)
	cr := &countingReader{r: bytes.NewReader(b)}
	a, err := zipsafe.Open(cr, int64(len(b)), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	opened := cr.n.Load()
	_, err = Inspect(context.Background(), a)
	if err == nil || !strings.Contains(err.Error(), "not in the manifest") {
		t.Fatalf("err = %v, want a rejection naming an entry not in the manifest", err)
	}
	if read := cr.n.Load() - opened; read > 64<<10 {
		t.Errorf("read %d bytes of a %d-byte bundle before rejecting it: entries were inflated", read, len(b))
	}
}
