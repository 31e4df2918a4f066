package zipsafe

import (
	"encoding/binary"
	"io"
	"strings"
)

const (
	cdHeaderLen    = 46
	localHeaderLen = 30
	sigCentral     = "PK\x01\x02"
	sigLocal       = "PK\x03\x04"
	flagEncrypted  = 0x1
	flagDescriptor = 0x8
	methodStored   = 0
	methodDeflate  = 8
)

// Open validates the archive's structure and returns it. Nothing is
// decompressed; Archive.Open streams one entry at a time.
func Open(r io.ReaderAt, size int64, lim Limits) (*Archive, error) {
	if lim.MaxCentralDirSize <= 0 {
		lim.MaxCentralDirSize = defaultCentralDirSize
	}
	end, err := readEnd(r, size)
	if err != nil {
		return nil, err
	}
	if end.cdOffset > uint64(end.cdEnd) || end.cdSize != uint64(end.cdEnd)-end.cdOffset {
		return nil, invalid("central directory does not end where the end record is")
	}
	if end.entries > uint64(lim.MaxEntries) {
		return nil, invalid("%d entries exceed the limit of %d", end.entries, lim.MaxEntries)
	}
	if int64(end.cdSize) > lim.MaxCentralDirSize || end.entries*cdHeaderLen > end.cdSize {
		return nil, invalid("central directory size %d is out of range for %d entries", end.cdSize, end.entries)
	}
	a := &Archive{r: r, size: size, lim: lim, cdOffset: int64(end.cdOffset), cdSize: int64(end.cdSize),
		eocdOff: end.eocdOff, zip64: end.zip64, byName: make(map[string]*File, end.entries)}
	if err := a.readCentral(int(end.entries)); err != nil {
		return nil, err
	}
	if err := a.checkLayout(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Archive) readCentral(count int) error {
	cd := make([]byte, a.cdSize)
	if err := readAt(a.r, cd, a.cdOffset, "central directory"); err != nil {
		return err
	}
	var total uint64
	for i := 0; i < count; i++ {
		f, n, err := parseCentral(cd)
		if err != nil {
			return err
		}
		cd = cd[n:]
		if err := a.checkLimits(f, &total); err != nil {
			return err
		}
		if a.byName[f.Name] != nil {
			return invalid("duplicate entry name %q", f.Name)
		}
		a.byName[f.Name] = f
		a.files = append(a.files, f)
	}
	if len(cd) != 0 {
		return invalid("central directory has %d bytes after its last entry", len(cd))
	}
	return nil
}

// parseCentral decodes one central directory header from the front of b.
func parseCentral(b []byte) (*File, int, error) {
	le := binary.LittleEndian
	if len(b) < cdHeaderLen || string(b[:4]) != sigCentral {
		return nil, 0, invalid("central directory entry is malformed")
	}
	nameLen, extraLen, commentLen := int(le.Uint16(b[28:])), int(le.Uint16(b[30:])), int(le.Uint16(b[32:]))
	n := cdHeaderLen + nameLen + extraLen + commentLen
	if len(b) < n {
		return nil, 0, invalid("central directory entry is truncated")
	}
	f := &File{Name: string(b[cdHeaderLen : cdHeaderLen+nameLen]), Flags: le.Uint16(b[8:]),
		Method: le.Uint16(b[10:]), CRC32: le.Uint32(b[16:]),
		CompressedSize: uint64(le.Uint32(b[20:])), UncompressedSize: uint64(le.Uint32(b[24:]))}
	off := uint64(le.Uint32(b[42:]))
	if le.Uint16(b[34:]) != 0 {
		return nil, 0, invalid("entry %q: multi-disk archives are not supported", f.Name)
	}
	extra := b[cdHeaderLen+nameLen : cdHeaderLen+nameLen+extraLen]
	if err := applyZip64(extra, &f.UncompressedSize, &f.CompressedSize, &off); err != nil {
		return nil, 0, invalid("entry %q: %v", f.Name, err)
	}
	if off > 1<<62 {
		return nil, 0, invalid("entry %q: offset out of range", f.Name)
	}
	f.HeaderOffset = int64(off)
	return f, n, checkName(f.Name)
}

type plainError string

func (e plainError) Error() string { return string(e) }

// applyZip64 replaces the 0xffffffff placeholders with the values of the
// ZIP64 extra field (ID 1), which lists only the escaped fields, in order.
func applyZip64(extra []byte, usize, csize, off *uint64) error {
	fields := []*uint64{usize, csize, off}
	need := 0
	for _, p := range fields {
		if *p == 0xffffffff {
			need++
		}
	}
	le := binary.LittleEndian
	for len(extra) >= 4 {
		id, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		if len(extra) < 4+n {
			return plainError("extra field is truncated")
		}
		body := extra[4 : 4+n]
		extra = extra[4+n:]
		if id != 1 || need == 0 {
			continue
		}
		for _, p := range fields {
			if *p != 0xffffffff {
				continue
			}
			if len(body) < 8 {
				return plainError("ZIP64 extra field is too short")
			}
			*p, body = le.Uint64(body), body[8:]
			need--
		}
	}
	if need > 0 {
		return plainError("ZIP64 extra field is missing")
	}
	return nil
}

// checkName rejects names that are empty, contain NUL, are absolute or
// climb out of the archive root.
func checkName(name string) error {
	switch {
	case name == "":
		return invalid("entry with an empty name")
	case strings.IndexByte(name, 0) >= 0:
		return invalid("entry name %q contains NUL", name)
	case name[0] == '/' || name[0] == '\\' || (len(name) > 1 && name[1] == ':'):
		return invalid("entry name %q is an absolute path", name)
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return invalid("entry name %q contains \"..\"", name)
		}
	}
	return nil
}

func (a *Archive) checkLimits(f *File, total *uint64) error {
	if f.Method != methodStored && f.Method != methodDeflate {
		return invalid("entry %q: compression method %d is not supported", f.Name, f.Method)
	}
	if f.Flags&flagEncrypted != 0 {
		return invalid("entry %q is encrypted", f.Name)
	}
	if f.Method == methodStored && f.CompressedSize != f.UncompressedSize {
		return invalid("entry %q: stored entry has different compressed and uncompressed sizes", f.Name)
	}
	if f.UncompressedSize > uint64(a.lim.MaxEntrySize) {
		return invalid("entry %q: size %d exceeds the limit of %d", f.Name, f.UncompressedSize, a.lim.MaxEntrySize)
	}
	if f.UncompressedSize > ratioFloor && f.UncompressedSize/max(f.CompressedSize, 1) >= uint64(a.lim.MaxRatio) {
		return invalid("entry %q: compression ratio exceeds %d:1", f.Name, a.lim.MaxRatio)
	}
	*total += f.UncompressedSize
	if *total > uint64(a.lim.MaxTotalSize) {
		return invalid("total uncompressed size exceeds the limit of %d", a.lim.MaxTotalSize)
	}
	return nil
}
