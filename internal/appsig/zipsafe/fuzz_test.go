package zipsafe

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// FuzzOpen checks that no input panics, that errors are typed and that
// reading entries stays within their declared sizes.
func FuzzOpen(f *testing.F) {
	f.Add(build(f, sample...))
	f.Add(build(f, entry{"a", "0123456789", zip.Store}))
	f.Add(withGap(build(f, sample...), sigBlock(8)))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxEntries: 64, MaxEntrySize: 1 << 20, MaxTotalSize: 4 << 20, MaxRatio: 100}
		a, err := Open(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			assertInvalid(t, err)
			return
		}
		for _, fl := range a.Files() {
			rc, err := a.Open(fl)
			if err != nil {
				assertInvalid(t, err)
				continue
			}
			n, err := io.Copy(io.Discard, rc)
			if uint64(n) > fl.UncompressedSize {
				t.Fatalf("read %d > declared %d", n, fl.UncompressedSize)
			}
			if err != nil {
				assertInvalid(t, err)
			}
			rc.Close()
		}
	})
}
