package zipsafe

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// FuzzOpen checks that no input panics, that errors are typed, that an
// accepted archive's layout is consistent and that reading entries stays
// within their declared sizes.
func FuzzOpen(f *testing.F) {
	f.Add(build(f, sample...))
	f.Add(build(f, entry{"a", "0123456789", zip.Store}))
	f.Add(withGap(build(f, sample...), sigBlock(8)))
	f.Add(oneEntry(flagDescriptor, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxEntries: 64, MaxEntrySize: 1 << 20, MaxTotalSize: 4 << 20, MaxRatio: 100}
		a, err := Open(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			assertInvalid(t, err)
			return
		}
		checkArchiveLayout(t, a)
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
			} else if uint64(n) != fl.UncompressedSize {
				t.Fatalf("%q: clean read of %d bytes, declared %d", fl.Name, n, fl.UncompressedSize)
			}
			rc.Close()
		}
	})
}

// checkArchiveLayout asserts what Open promises about an accepted archive:
// entries lie before the gap,
// the gap and signing block before the central directory, and that before
// the end record.
func checkArchiveLayout(t *testing.T, a *Archive) {
	t.Helper()
	if !(a.GapOffset() <= a.SigningBlockOffset() && a.SigningBlockOffset() <= a.CentralDirectoryOffset() &&
		a.CentralDirectoryOffset()+a.CentralDirectorySize() <= a.EOCDOffset() && a.EOCDOffset()+eocdLen <= a.Size()) {
		t.Fatalf("inconsistent layout: gap %d, block %d, cd %d+%d, eocd %d, size %d", a.GapOffset(),
			a.SigningBlockOffset(), a.CentralDirectoryOffset(), a.CentralDirectorySize(), a.EOCDOffset(), a.Size())
	}
	for _, fl := range a.Files() {
		if a.Lookup(fl.Name) != fl || checkName(fl.Name) != nil {
			t.Fatalf("entry %q: bad name or lookup", fl.Name)
		}
		if fl.DataOffset < fl.HeaderOffset+localHeaderLen+int64(len(fl.Name)) ||
			fl.DataOffset+int64(fl.CompressedSize) > a.GapOffset() {
			t.Fatalf("entry %q: data [%d,+%d) outside the entries area ending at %d",
				fl.Name, fl.DataOffset, fl.CompressedSize, a.GapOffset())
		}
	}
}
