package zipsafe

import (
	"bytes"
	"encoding/binary"
	"io"
)

const (
	eocdLen        = 22
	zip64LocLen    = 20
	zip64EOCDLen   = 56
	maxCommentLen  = 0xffff
	sigEOCD        = "PK\x05\x06"
	sigZip64Loc    = "PK\x06\x07"
	sigZip64EOCD   = "PK\x06\x06"
	apkSigMagic    = "APK Sig Block 42"
	apkSigFooterSz = 24 // uint64 size + 16-byte magic
)

// endRecord is what the end records say about the central directory.
type endRecord struct {
	eocdOff  int64
	cdEnd    int64 // where the central directory must end (EOCD or ZIP64 record)
	entries  uint64
	cdSize   uint64
	cdOffset uint64
	zip64    bool
}

// readAt reads exactly len(p) bytes at off, as an Invalid error on failure.
func readAt(r io.ReaderAt, p []byte, off int64, what string) error {
	if off < 0 {
		return invalid("%s at negative offset", what)
	}
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		return invalid("%s is truncated", what)
	}
	return invalid("reading %s: %v", what, err)
}

// findEOCD returns the offset of the end-of-central-directory record whose
// comment runs exactly to the end of the file, searching from the end as the
// Android platform does.
func findEOCD(r io.ReaderAt, size int64) (int64, []byte, error) {
	if size < eocdLen {
		return 0, nil, invalid("not a ZIP archive (file is %d bytes)", size)
	}
	tail := min(size, eocdLen+maxCommentLen)
	buf := make([]byte, tail)
	if err := readAt(r, buf, size-tail, "end of archive"); err != nil {
		return 0, nil, err
	}
	for c := 0; c <= int(tail)-eocdLen; c++ {
		p := int(tail) - eocdLen - c
		if string(buf[p:p+4]) == sigEOCD && int(binary.LittleEndian.Uint16(buf[p+20:])) == c {
			if bytes.Contains(buf[p+1:], []byte(sigEOCD)) {
				// libziparchive takes the last signature, apksigner the
				// exact comment length: two readers, two archives.
				return 0, nil, invalid("end-of-central-directory record is followed by another one")
			}
			return size - tail + int64(p), buf[p : p+eocdLen], nil
		}
	}
	return 0, nil, invalid("not a ZIP archive (no end-of-central-directory record)")
}

func readEnd(r io.ReaderAt, size int64) (*endRecord, error) {
	off, e, err := findEOCD(r, size)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	disk, cdDisk := le.Uint16(e[4:]), le.Uint16(e[6:])
	onDisk, total := le.Uint16(e[8:]), le.Uint16(e[10:])
	end := &endRecord{eocdOff: off, cdEnd: off, entries: uint64(total),
		cdSize: uint64(le.Uint32(e[12:])), cdOffset: uint64(le.Uint32(e[16:]))}
	if disk != 0 || cdDisk != 0 || onDisk != total {
		return nil, invalid("multi-disk archives are not supported")
	}
	if !needsZip64(end) && !hasZip64Locator(r, off) {
		return end, nil
	}
	return readZip64End(r, end)
}

func needsZip64(e *endRecord) bool {
	return e.entries == 0xffff || e.cdSize == 0xffffffff || e.cdOffset == 0xffffffff
}

func hasZip64Locator(r io.ReaderAt, eocdOff int64) bool {
	if eocdOff < zip64LocLen {
		return false
	}
	sig := make([]byte, 4)
	return readAt(r, sig, eocdOff-zip64LocLen, "ZIP64 locator") == nil && string(sig) == sigZip64Loc
}

// readZip64End reads the ZIP64 locator and record, which must sit right
// before the EOCD with nothing in between.
func readZip64End(r io.ReaderAt, e *endRecord) (*endRecord, error) {
	locOff := e.eocdOff - zip64LocLen
	loc := make([]byte, zip64LocLen)
	if err := readAt(r, loc, locOff, "ZIP64 locator"); err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	if string(loc[:4]) != sigZip64Loc {
		return nil, invalid("ZIP64 end record is missing")
	}
	recOff := le.Uint64(loc[8:])
	if le.Uint32(loc[4:]) != 0 || le.Uint32(loc[16:]) > 1 {
		return nil, invalid("multi-disk archives are not supported")
	}
	if recOff > uint64(locOff) || uint64(locOff)-recOff < zip64EOCDLen {
		return nil, invalid("ZIP64 end record offset is out of range")
	}
	rec := make([]byte, zip64EOCDLen)
	if err := readAt(r, rec, int64(recOff), "ZIP64 end record"); err != nil {
		return nil, err
	}
	if string(rec[:4]) != sigZip64EOCD {
		return nil, invalid("ZIP64 end record has a bad signature")
	}
	if le.Uint64(rec[4:])+12 != uint64(locOff)-recOff {
		return nil, invalid("ZIP64 end record does not end at its locator")
	}
	if le.Uint32(rec[16:]) != 0 || le.Uint32(rec[20:]) != 0 || le.Uint64(rec[24:]) != le.Uint64(rec[32:]) {
		return nil, invalid("multi-disk archives are not supported")
	}
	z := &endRecord{eocdOff: e.eocdOff, cdEnd: int64(recOff), zip64: true,
		entries: le.Uint64(rec[32:]), cdSize: le.Uint64(rec[40:]), cdOffset: le.Uint64(rec[48:])}
	return z, checkZip64Agrees(e, z)
}

// checkZip64Agrees rejects a classic EOCD whose non-escaped fields disagree
// with the ZIP64 record: two readers could otherwise see different archives.
func checkZip64Agrees(e, z *endRecord) error {
	if (e.entries != 0xffff && e.entries != z.entries) ||
		(e.cdSize != 0xffffffff && e.cdSize != z.cdSize) ||
		(e.cdOffset != 0xffffffff && e.cdOffset != z.cdOffset) {
		return invalid("ZIP64 end record disagrees with the end-of-central-directory record")
	}
	return nil
}

// findSigningBlock accepts the bytes [start, end) only if they are zero
// padding (apksigner aligns the block to 4096 bytes) followed by exactly one
// APK Signing Block (uint64 size, pairs, uint64 size, magic); it returns the
// block's offset. The padding is covered by the v2+ content digest.
func findSigningBlock(r io.ReaderAt, start, end int64) (int64, error) {
	n := end - start
	foot := make([]byte, apkSigFooterSz)
	if n < 32 || readAt(r, foot, end-apkSigFooterSz, "APK Signing Block") != nil ||
		!bytes.Equal(foot[8:], []byte(apkSigMagic)) {
		if err := checkZeros(r, start, end); err != nil {
			return 0, invalid("%d bytes of unaccounted data before the central directory", n)
		}
		return end, nil
	}
	le := binary.LittleEndian
	size := le.Uint64(foot)
	if size > uint64(n-8) || size < apkSigFooterSz {
		return 0, invalid("APK Signing Block sizes are inconsistent")
	}
	blockOff := end - int64(size) - 8
	head := make([]byte, 8)
	if err := readAt(r, head, blockOff, "APK Signing Block"); err != nil {
		return 0, err
	}
	if le.Uint64(head) != size {
		return 0, invalid("APK Signing Block sizes are inconsistent")
	}
	if err := checkZeros(r, start, blockOff); err != nil {
		return 0, invalid("%d bytes of unaccounted data before the APK Signing Block", blockOff-start)
	}
	return blockOff, nil
}

// checkZeros accepts [start, end) only if every byte is zero: padding that
// carries no content, which some signers leave between entries.
func checkZeros(r io.ReaderAt, start, end int64) error {
	buf := make([]byte, min(end-start, 64<<10))
	for off := start; off < end; {
		n := min(int64(len(buf)), end-off)
		if err := readAt(r, buf[:n], off, "padding"); err != nil {
			return err
		}
		if bytes.Count(buf[:n], []byte{0}) != int(n) {
			return invalid("non-zero bytes outside any entry at offset %d", off)
		}
		off += n
	}
	return nil
}
