package zipsafe

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"
)

// oneEntry builds by hand a one-entry archive whose local header declares
// localExtra bytes of extra field that are not there, so that the header
// runs into the central directory.
func oneEntry(flags uint16, localExtra uint16) []byte {
	le := binary.LittleEndian
	loc := make([]byte, localHeaderLen, 128)
	copy(loc, sigLocal)
	le.PutUint16(loc[6:], flags)
	le.PutUint16(loc[26:], 1)
	le.PutUint16(loc[28:], localExtra)
	loc = append(loc, 'a')
	cd := make([]byte, cdHeaderLen)
	copy(cd, sigCentral)
	le.PutUint16(cd[8:], flags)
	le.PutUint16(cd[28:], 1)
	cd = append(cd, 'a')
	eocd := make([]byte, eocdLen)
	copy(eocd, sigEOCD)
	le.PutUint16(eocd[8:], 1)
	le.PutUint16(eocd[10:], 1)
	le.PutUint32(eocd[12:], uint32(len(cd)))
	le.PutUint32(eocd[16:], uint32(len(loc)))
	return append(append(loc, cd...), eocd...)
}

// TestLocalHeaderIntoCentralDirectory: a local header whose name and extra
// field run past the start of the central directory used to reach
// make([]byte, negative) when the entry also had a data descriptor.
func TestLocalHeaderIntoCentralDirectory(t *testing.T) {
	for _, flags := range []uint16{0, flagDescriptor} {
		_, err := open(oneEntry(flags, 3))
		assertInvalid(t, err)
		if !strings.Contains(err.Error(), "runs into the central directory") {
			t.Errorf("flags %#x: %v", flags, err)
		}
	}
	if _, err := open(oneEntry(flagDescriptor, 0)); err == nil {
		t.Error("entry without a data descriptor accepted")
	}
}

// TestEOCDSignatureInComment: an archive comment holding a second end record
// would be read differently by libziparchive (last signature wins) and by
// apksigner (comment length must reach the end of the file).
func TestEOCDSignatureInComment(t *testing.T) {
	b := build(t, sample...)
	fake := append([]byte(sigEOCD), make([]byte, eocdLen-4)...)
	binary.LittleEndian.PutUint16(fake[20:], 0xffff) // does not reach the end
	withComment := append(bytes.Clone(b), fake...)
	binary.LittleEndian.PutUint16(withComment[len(b)-2:], uint16(len(fake)))
	_, err := open(withComment)
	assertInvalid(t, err)
	if !strings.Contains(err.Error(), "followed by another") {
		t.Fatalf("err = %v", err)
	}
	plain := append(bytes.Clone(b), "comment"...)
	binary.LittleEndian.PutUint16(plain[len(b)-2:], 7)
	if _, err := open(plain); err != nil {
		t.Fatalf("plain comment: %v", err)
	}
}

// TestReadAllAllocatesWhatInflates: a deflated entry of a few bytes that
// declares 1 MiB used to cost a 1 MiB buffer before its data failed.
func TestReadAllAllocatesWhatInflates(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, err := w.CreateRaw(&zip.FileHeader{Name: "big", Method: zip.Deflate,
		CompressedSize64: 5, UncompressedSize64: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte{0x4b, 0x4c, 0x4a, 0x06, 0x00}) // "abc"
	w.Close()
	a, err := open(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	n := alloctest.Bytes(func() { _, err = a.ReadAll(a.Lookup("big"), 1<<20) })
	assertInvalid(t, err)
	if n > 256<<10 {
		t.Errorf("ReadAll of a 5-byte entry allocated %d bytes", n)
	}
}
