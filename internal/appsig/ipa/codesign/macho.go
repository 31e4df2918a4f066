package codesign

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

const (
	fatMagic     = 0xcafebabe
	fatMagic64   = 0xcafebabf
	lcCodeSig    = 0x1d
	lcEncrypt    = 0x21
	lcEncrypt64  = 0x2c
	machHeader32 = 28
	machHeader64 = 32
)

// Executable is a parsed thin or fat Mach-O file. Only headers, load
// commands and signatures are held in memory; Verify reads the code.
type Executable struct {
	Fat    bool
	Slices []*Slice // in fat-header order
	r      io.ReaderAt
	size   int64
}

// Slice is one architecture of an executable.
type Slice struct {
	CPU        string // "arm64", "arm64e", "x86_64", ...
	CPUType    uint32
	CPUSubtype uint32
	Offset     int64  // of the slice in the file
	Size       int64  // of the slice
	SigOffset  uint32 // LC_CODE_SIGNATURE dataoff, slice-relative
	SigSize    uint32 // LC_CODE_SIGNATURE datasize
	Signature  *Signature
	// Encrypted is set when LC_ENCRYPTION_INFO(_64) has a non-zero cryptid:
	// FairPlay-encrypted App Store code.
	Encrypted bool
	r         *io.SectionReader
}

// ParseExecutable parses a thin or fat Mach-O of size bytes read through r
// and the signature of every slice. A slice without LC_CODE_SIGNATURE has a
// nil Signature. Memory use is bounded by the limits, not by size.
func ParseExecutable(r io.ReaderAt, size int64, lim Limits) (*Executable, error) {
	head, err := readAt(r, size, 0, 8)
	if err != nil {
		return nil, invalid("executable is too short to be a Mach-O file")
	}
	exe := &Executable{r: r, size: size}
	if m := be.Uint32(head); m == fatMagic || m == fatMagic64 {
		exe.Fat = true
		exe.Slices, err = parseFat(r, size, m == fatMagic64, lim)
		return exe, err
	}
	s, err := parseSlice(io.NewSectionReader(r, 0, size), 0, lim)
	if err != nil {
		return nil, err
	}
	exe.Slices = []*Slice{s}
	return exe, nil
}

// readAt reads n bytes at off, which must lie inside size.
func readAt(r io.ReaderAt, size, off int64, n uint64) ([]byte, error) {
	if off < 0 || off > size || n > uint64(size-off) {
		return nil, io.ErrUnexpectedEOF
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

type fatArch struct {
	cpu, sub     uint32
	offset, size uint64
}

func parseFat(r io.ReaderAt, size int64, wide bool, lim Limits) ([]*Slice, error) {
	head, _ := readAt(r, size, 0, 8)
	n := uint64(be.Uint32(head[4:]))
	entry := uint64(20)
	if wide {
		entry = 32
	}
	if n == 0 || n > uint64(lim.MaxSlices) || 8+n*entry > uint64(size) {
		return nil, invalid("fat Mach-O has a bad architecture count (%d)", n)
	}
	table, err := readAt(r, size, 8, n*entry)
	if err != nil {
		return nil, invalid("fat Mach-O header cannot be read: %v", err)
	}
	archs := make([]fatArch, n)
	for i := range archs {
		e := table[uint64(i)*entry:]
		a := fatArch{cpu: be.Uint32(e), sub: be.Uint32(e[4:])}
		if wide {
			a.offset, a.size = be.Uint64(e[8:]), be.Uint64(e[16:])
		} else {
			a.offset, a.size = uint64(be.Uint32(e[8:])), uint64(be.Uint32(e[12:]))
		}
		if a.offset < 8+n*entry || a.offset > uint64(size) || a.size > uint64(size)-a.offset {
			return nil, invalid("fat Mach-O architecture %d lies outside the file", i)
		}
		archs[i] = a
	}
	if err := checkArchs(archs); err != nil {
		return nil, err
	}
	return sliceAll(r, archs, lim)
}

// checkArchs rejects overlapping slices and duplicate architectures.
func checkArchs(archs []fatArch) error {
	sorted := slices.Clone(archs)
	slices.SortFunc(sorted, func(a, b fatArch) int { return compare(a.offset, b.offset) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].offset < sorted[i-1].offset+sorted[i-1].size {
			return invalid("fat Mach-O slices overlap")
		}
	}
	seen := map[[2]uint32]bool{}
	for _, a := range archs {
		k := [2]uint32{a.cpu, a.sub & 0xffffff}
		if seen[k] {
			return invalid("fat Mach-O has two slices for %s", cpuName(a.cpu, a.sub))
		}
		seen[k] = true
	}
	return nil
}

func sliceAll(r io.ReaderAt, archs []fatArch, lim Limits) ([]*Slice, error) {
	var out []*Slice
	for _, a := range archs {
		s, err := parseSlice(io.NewSectionReader(r, int64(a.offset), int64(a.size)), int64(a.offset), lim)
		if err != nil {
			return nil, fmt.Errorf("slice %s: %w", cpuName(a.cpu, a.sub), err)
		}
		if s.CPUType != a.cpu || s.CPUSubtype&0xffffff != a.sub&0xffffff {
			return nil, invalid("fat header says %s but the slice is %s", cpuName(a.cpu, a.sub), s.CPU)
		}
		out = append(out, s)
	}
	return out, nil
}

// parseSlice bounds the Mach-O header itself, then lets debug/macho parse
// the header and load commands from memory, and reads the signature.
func parseSlice(sr *io.SectionReader, offset int64, lim Limits) (*Slice, error) {
	hdr, err := readAt(sr, sr.Size(), 0, machHeader64)
	if err != nil {
		return nil, invalid("executable is too short to be a Mach-O file")
	}
	cmdsEnd, err := checkMachHeader(hdr, sr.Size(), lim)
	if err != nil {
		return nil, err
	}
	cmds, err := readAt(sr, sr.Size(), 0, cmdsEnd)
	if err != nil {
		return nil, invalid("Mach-O load commands cannot be read: %v", err)
	}
	f, err := newMachoFile(maskDataCommands(cmds))
	if err != nil {
		return nil, err
	}
	s := &Slice{CPUType: uint32(f.Cpu), CPUSubtype: f.SubCpu, Offset: offset, Size: sr.Size(), r: sr}
	s.CPU = cpuName(s.CPUType, s.CPUSubtype)
	if err := s.findSignature(f); err != nil || s.SigSize == 0 {
		return s, err
	}
	if uint64(s.SigSize) > uint64(lim.MaxSignatureSize) {
		return nil, invalid("code signature of %d bytes exceeds the limit of %d", s.SigSize, lim.MaxSignatureSize)
	}
	data, err := readAt(sr, sr.Size(), int64(s.SigOffset), uint64(s.SigSize))
	if err != nil {
		return nil, invalid("code signature cannot be read: %v", err)
	}
	if s.Signature, err = ParseSignature(data, lim); err != nil {
		return nil, err
	}
	return s, nil
}

// checkMachHeader bounds ncmds and sizeofcmds and returns where the load
// commands end.
func checkMachHeader(hdr []byte, size int64, lim Limits) (uint64, error) {
	le := binary.LittleEndian
	hdrLen := uint64(machHeader32)
	switch le.Uint32(hdr) {
	case macho.Magic64:
		hdrLen = machHeader64
	case macho.Magic32:
	default:
		return 0, invalid("executable is not a little-endian Mach-O file (magic 0x%08x)", le.Uint32(hdr))
	}
	ncmds, cmdsSize := le.Uint32(hdr[16:]), uint64(le.Uint32(hdr[20:]))
	if ncmds > uint32(lim.MaxLoadCommands) || cmdsSize > uint64(lim.MaxCommandsSize) || hdrLen+cmdsSize > uint64(size) {
		return 0, invalid("Mach-O has too many or too large load commands (%d commands, %d bytes)", ncmds, cmdsSize)
	}
	return hdrLen + cmdsSize, nil
}

// Load commands whose data debug/macho would read from outside the header.
const (
	lcSymtab    = 0x2
	lcDysymtab  = 0xb
	lcSegment   = 0x1
	lcSegment64 = 0x19
	lcMasked    = 0x7fffffff // unknown to debug/macho: kept as raw bytes
)

// maskDataCommands returns a copy of the header and load commands in which
// LC_SYMTAB and LC_DYSYMTAB are renamed and section relocation counts are
// zeroed, so that debug/macho reads nothing beyond the commands (symbol
// tables may be as large as the file, a relocation count makes it allocate
// up to 10 MiB, and neither is part of the measurement). Malformed commands
// are left for debug/macho to report.
func maskDataCommands(cmds []byte) []byte {
	out := slices.Clone(cmds)
	le := binary.LittleEndian
	off := uint64(machHeader32)
	if le.Uint32(out) == macho.Magic64 {
		off = machHeader64
	}
	for i := uint32(0); i < le.Uint32(out[16:]) && off+8 <= uint64(len(out)); i++ {
		cmd, size := le.Uint32(out[off:]), uint64(le.Uint32(out[off+4:]))
		if cmd == lcSymtab || cmd == lcDysymtab {
			le.PutUint32(out[off:], lcMasked)
		}
		if size < 8 || size > uint64(len(out))-off {
			break
		}
		if cmd == lcSegment || cmd == lcSegment64 {
			zeroRelocations(out[off:off+size], cmd == lcSegment64)
		}
		off += size
	}
	return out
}

// zeroRelocations clears nreloc in every section header of a segment command.
func zeroRelocations(seg []byte, wide bool) {
	hdr, sect, nreloc := uint64(56), uint64(68), uint64(52) // segment_command, section
	if wide {
		hdr, sect, nreloc = 72, 80, 60 // segment_command_64, section_64
	}
	if uint64(len(seg)) < hdr {
		return
	}
	n := uint64(binary.LittleEndian.Uint32(seg[hdr-8:])) // nsects
	for i := uint64(0); i < n && hdr+(i+1)*sect <= uint64(len(seg)); i++ {
		binary.LittleEndian.PutUint32(seg[hdr+i*sect+nreloc:], 0)
	}
}

// newMachoFile runs debug/macho, turning a panic on crafted input into an error.
func newMachoFile(data []byte) (f *macho.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, invalid("malformed Mach-O file")
		}
	}()
	f, err = macho.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, invalid("malformed Mach-O file: %s", OneLine(err))
	}
	return f, nil
}

func (s *Slice) findSignature(f *macho.File) error {
	found := false
	for _, l := range f.Loads {
		raw := l.Raw()
		if len(raw) < 8 {
			continue
		}
		if cmd := f.ByteOrder.Uint32(raw); (cmd == lcEncrypt || cmd == lcEncrypt64) && len(raw) >= 20 {
			s.Encrypted = s.Encrypted || f.ByteOrder.Uint32(raw[16:]) != 0
		}
		if f.ByteOrder.Uint32(raw) != lcCodeSig {
			continue
		}
		if found || len(raw) != 16 {
			return invalid("Mach-O has a duplicate or malformed LC_CODE_SIGNATURE")
		}
		found = true
		s.SigOffset, s.SigSize = f.ByteOrder.Uint32(raw[8:]), f.ByteOrder.Uint32(raw[12:])
	}
	if !found {
		return nil
	}
	end := uint64(s.SigOffset) + uint64(s.SigSize)
	switch {
	case s.SigSize < 12 || end > uint64(s.Size):
		return invalid("LC_CODE_SIGNATURE (offset %d, size %d) lies outside the %d-byte slice", s.SigOffset, s.SigSize, s.Size)
	case end != uint64(s.Size):
		return invalid("%d bytes follow the code signature and are covered by nothing", uint64(s.Size)-end)
	}
	return nil
}

// cpuName names an architecture the way lipo and Xcode do.
func cpuName(cpu, sub uint32) string {
	sub &= 0xffffff // drop capability bits (e.g. arm64e's pointer-auth ABI)
	switch {
	case cpu == 0x0100000c && sub == 2:
		return "arm64e"
	case cpu == 0x0100000c:
		return "arm64"
	case cpu == 0x0200000c:
		return "arm64_32"
	case cpu == 0x01000007 && sub == 8:
		return "x86_64h"
	case cpu == 0x01000007:
		return "x86_64"
	case cpu == 12 && sub == 11:
		return "armv7s"
	case cpu == 12 && sub == 9:
		return "armv7"
	case cpu == 12:
		return "arm"
	case cpu == 7:
		return "i386"
	}
	return fmt.Sprintf("cpu(0x%x/%d)", cpu, sub)
}
