package zipsafe

import (
	"encoding/binary"
	"slices"
)

const sigDescriptor = 0x08074b50

// checkLayout cross-checks every local header with its central entry and
// proves the entries tile the file from offset 0 up to the central
// directory, leaving room only for zero padding and an APK Signing Block.
func (a *Archive) checkLayout() error {
	for _, f := range a.files {
		if err := a.checkLocal(f); err != nil {
			return err
		}
	}
	sorted := slices.Clone(a.files)
	slices.SortFunc(sorted, func(x, y *File) int { return cmpInt64(x.HeaderOffset, y.HeaderOffset) })
	var next int64
	for _, f := range sorted {
		switch {
		case f.HeaderOffset < next:
			return invalid("entry %q overlaps the previous entry", f.Name)
		case f.HeaderOffset > next && checkZeros(a.r, next, f.HeaderOffset) != nil:
			return invalid("%d bytes of unaccounted data before entry %q", f.HeaderOffset-next, f.Name)
		}
		next = f.end
	}
	if next > a.cdOffset {
		return invalid("entry data runs into the central directory")
	}
	a.gapOffset, a.sigBlockOff = next, a.cdOffset
	if next < a.cdOffset {
		off, err := findSigningBlock(a.r, next, a.cdOffset)
		a.sigBlockOff = off
		return err
	}
	return nil
}

func cmpInt64(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// checkLocal reads f's local header, requires it to agree with the central
// directory and sets f.DataOffset and the entry's end.
func (a *Archive) checkLocal(f *File) error {
	h := make([]byte, localHeaderLen)
	if f.HeaderOffset > a.cdOffset-localHeaderLen {
		return invalid("entry %q: local header is outside the entries area", f.Name)
	}
	if err := readAt(a.r, h, f.HeaderOffset, "local header of "+f.Name); err != nil {
		return err
	}
	le := binary.LittleEndian
	if string(h[:4]) != sigLocal {
		return invalid("entry %q: no local header at offset %d", f.Name, f.HeaderOffset)
	}
	nameLen, extraLen := int64(le.Uint16(h[26:])), int64(le.Uint16(h[28:]))
	f.DataOffset = f.HeaderOffset + localHeaderLen + nameLen + extraLen
	if f.DataOffset > a.cdOffset {
		return invalid("entry %q: local header runs into the central directory", f.Name)
	}
	varPart := make([]byte, nameLen+extraLen)
	if err := readAt(a.r, varPart, f.HeaderOffset+localHeaderLen, "local header of "+f.Name); err != nil {
		return err
	}
	if string(varPart[:nameLen]) != f.Name {
		return invalid("entry %q: local header names %q", f.Name, varPart[:nameLen])
	}
	flags, method := le.Uint16(h[6:]), le.Uint16(h[8:])
	if method != f.Method || (flags^f.Flags)&(flagDescriptor|flagEncrypted) != 0 {
		return invalid("entry %q: local header disagrees with the central directory", f.Name)
	}
	if err := checkLocalSizes(f, h, varPart[nameLen:], flags); err != nil {
		return err
	}
	return a.setEnd(f)
}

// checkLocalSizes compares CRC and sizes; with a data descriptor the local
// values may be zero (the descriptor is checked instead).
func checkLocalSizes(f *File, h, extra []byte, flags uint16) error {
	le := binary.LittleEndian
	crc := le.Uint32(h[14:])
	csize, usize := uint64(le.Uint32(h[18:])), uint64(le.Uint32(h[22:]))
	var off uint64
	if err := applyZip64(extra, &usize, &csize, &off); err != nil {
		return invalid("entry %q: local header: %v", f.Name, err)
	}
	if flags&flagDescriptor != 0 && crc == 0 && csize == 0 && usize == 0 {
		return nil
	}
	if crc != f.CRC32 || csize != f.CompressedSize || usize != f.UncompressedSize {
		return invalid("entry %q: local header sizes or CRC disagree with the central directory", f.Name)
	}
	return nil
}

// setEnd computes where f ends, including a data descriptor, which must
// repeat the central CRC and sizes.
func (a *Archive) setEnd(f *File) error {
	if f.CompressedSize > uint64(a.cdOffset-f.DataOffset) {
		return invalid("entry %q: data runs past the entries area", f.Name)
	}
	f.end = f.DataOffset + int64(f.CompressedSize)
	if f.Flags&flagDescriptor == 0 {
		return nil
	}
	d := make([]byte, min(24, a.cdOffset-f.end))
	if err := readAt(a.r, d, f.end, "data descriptor of "+f.Name); err != nil {
		return err
	}
	n, ok := matchDescriptor(d, f)
	if !ok {
		return invalid("entry %q: data descriptor disagrees with the central directory", f.Name)
	}
	f.end += int64(n)
	return nil
}

// matchDescriptor returns the descriptor's length if d starts with a data
// descriptor (optionally signed, 32- or 64-bit sizes) matching f.
func matchDescriptor(d []byte, f *File) (int, bool) {
	le := binary.LittleEndian
	base := 0
	if len(d) >= 4 && le.Uint32(d) == sigDescriptor {
		base = 4
	}
	body := d[base:]
	if len(body) >= 12 && le.Uint32(body) == f.CRC32 &&
		uint64(le.Uint32(body[4:])) == f.CompressedSize && uint64(le.Uint32(body[8:])) == f.UncompressedSize {
		return base + 12, true
	}
	if len(body) >= 20 && le.Uint32(body) == f.CRC32 &&
		le.Uint64(body[4:]) == f.CompressedSize && le.Uint64(body[12:]) == f.UncompressedSize {
		return base + 20, true
	}
	return 0, false
}
