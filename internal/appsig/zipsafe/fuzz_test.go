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
		zr := sameAsArchiveZip(t, data, a)
		for i, fl := range a.Files() {
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
			} else {
				sameContent(t, a, fl, zr.File[i])
			}
			rc.Close()
		}
	})
}

// sameAsArchiveZip: an archive zipsafe accepts has one reading, so the
// standard library must see the same entries in the same order.
func sameAsArchiveZip(t *testing.T, data []byte, a *Archive) *zip.Reader {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("archive/zip rejects an accepted archive: %v", err)
	}
	if len(zr.File) != len(a.Files()) {
		t.Fatalf("archive/zip sees %d entries, zipsafe %d", len(zr.File), len(a.Files()))
	}
	for i, fl := range a.Files() {
		zf := zr.File[i]
		if zf.Name != fl.Name || zf.Method != fl.Method || zf.CRC32 != fl.CRC32 ||
			zf.UncompressedSize64 != fl.UncompressedSize || zf.CompressedSize64 != fl.CompressedSize {
			t.Fatalf("entry %d: archive/zip sees %q %d/%d, zipsafe %q %d/%d", i, zf.Name,
				zf.CompressedSize64, zf.UncompressedSize64, fl.Name, fl.CompressedSize, fl.UncompressedSize)
		}
		if off, err := zf.DataOffset(); err != nil || off != fl.DataOffset {
			t.Fatalf("entry %q: archive/zip data at %d (%v), zipsafe %d", fl.Name, off, err, fl.DataOffset)
		}
	}
	return zr
}

// sameContent: an entry zipsafe reads cleanly reads the same in archive/zip.
func sameContent(t *testing.T, a *Archive, fl *File, zf *zip.File) {
	t.Helper()
	want, err := a.ReadAll(fl, 1<<20)
	if err != nil {
		t.Fatalf("%q: ReadAll after a clean read: %v", fl.Name, err)
	}
	rc, err := zf.Open()
	if err != nil {
		t.Fatalf("%q: archive/zip cannot open it: %v", fl.Name, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%q: archive/zip reads %d bytes (%v), zipsafe %d", fl.Name, len(got), err, len(want))
	}
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
