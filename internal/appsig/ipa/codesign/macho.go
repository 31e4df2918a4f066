package codesign

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"fmt"
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

// Executable is a parsed thin or fat Mach-O file.
type Executable struct {
	Fat    bool
	Slices []*Slice
}

// Slice is one architecture of an executable.
type Slice struct {
	CPU        string // "arm64", "arm64e", "x86_64", ...
	CPUType    uint32
	CPUSubtype uint32
	Offset     int64  // of the slice in the file
	Data       []byte // the slice's bytes
	SigOffset  uint32 // LC_CODE_SIGNATURE dataoff, slice-relative
	SigSize    uint32 // LC_CODE_SIGNATURE datasize
	Signature  *Signature
	// Encrypted is set when LC_ENCRYPTION_INFO(_64) has a non-zero cryptid:
	// FairPlay-encrypted App Store code.
	Encrypted bool
}

// ParseExecutable parses a thin or fat Mach-O and the signature of every
// slice. A slice without LC_CODE_SIGNATURE has a nil Signature.
func ParseExecutable(data []byte, lim Limits) (*Executable, error) {
	if len(data) < 8 {
		return nil, invalid("executable is too short to be a Mach-O file")
	}
	if m := be.Uint32(data); m == fatMagic || m == fatMagic64 {
		return parseFat(data, m == fatMagic64, lim)
	}
	s, err := parseSlice(data, 0, lim)
	if err != nil {
		return nil, err
	}
	return &Executable{Slices: []*Slice{s}}, nil
}

type fatArch struct {
	cpu, sub     uint32
	offset, size uint64
}

func parseFat(data []byte, wide bool, lim Limits) (*Executable, error) {
	n := uint64(be.Uint32(data[4:]))
	entry := uint64(20)
	if wide {
		entry = 32
	}
	if n == 0 || n > uint64(lim.MaxSlices) || 8+n*entry > uint64(len(data)) {
		return nil, invalid("fat Mach-O has a bad architecture count (%d)", n)
	}
	archs := make([]fatArch, n)
	for i := range archs {
		e := data[8+uint64(i)*entry:]
		a := fatArch{cpu: be.Uint32(e), sub: be.Uint32(e[4:])}
		if wide {
			a.offset, a.size = be.Uint64(e[8:]), be.Uint64(e[16:])
		} else {
			a.offset, a.size = uint64(be.Uint32(e[8:])), uint64(be.Uint32(e[12:]))
		}
		if a.offset < 8+n*entry || a.offset > uint64(len(data)) || a.size > uint64(len(data))-a.offset {
			return nil, invalid("fat Mach-O architecture %d lies outside the file", i)
		}
		archs[i] = a
	}
	if err := checkArchs(archs); err != nil {
		return nil, err
	}
	return sliceAll(data, archs, lim)
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

func sliceAll(data []byte, archs []fatArch, lim Limits) (*Executable, error) {
	exe := &Executable{Fat: true}
	for _, a := range archs {
		s, err := parseSlice(data[a.offset:a.offset+a.size], int64(a.offset), lim)
		if err != nil {
			return nil, fmt.Errorf("slice %s: %w", cpuName(a.cpu, a.sub), err)
		}
		if s.CPUType != a.cpu || s.CPUSubtype&0xffffff != a.sub&0xffffff {
			return nil, invalid("fat header says %s but the slice is %s", cpuName(a.cpu, a.sub), s.CPU)
		}
		exe.Slices = append(exe.Slices, s)
	}
	return exe, nil
}

// parseSlice checks the Mach-O header bounds itself before debug/macho
// allocates anything, then reads the load commands with debug/macho.
func parseSlice(data []byte, offset int64, lim Limits) (*Slice, error) {
	if err := checkMachHeader(data, lim); err != nil {
		return nil, err
	}
	f, err := newMachoFile(data)
	if err != nil {
		return nil, err
	}
	s := &Slice{CPUType: uint32(f.Cpu), CPUSubtype: f.SubCpu, Offset: offset, Data: data}
	s.CPU = cpuName(s.CPUType, s.CPUSubtype)
	if err := s.findSignature(f); err != nil {
		return nil, err
	}
	if s.SigSize == 0 {
		return s, nil
	}
	if s.Signature, err = ParseSignature(data[s.SigOffset:uint64(s.SigOffset)+uint64(s.SigSize)], lim); err != nil {
		return nil, err
	}
	return s, nil
}

func checkMachHeader(data []byte, lim Limits) error {
	if len(data) < machHeader64 {
		return invalid("executable is too short to be a Mach-O file")
	}
	le := binary.LittleEndian
	hdr := uint64(machHeader32)
	switch le.Uint32(data) {
	case macho.Magic64:
		hdr = machHeader64
	case macho.Magic32:
	default:
		return invalid("executable is not a little-endian Mach-O file (magic 0x%08x)", le.Uint32(data))
	}
	ncmds, size := le.Uint32(data[16:]), uint64(le.Uint32(data[20:]))
	if ncmds > uint32(lim.MaxLoadCommands) || size > uint64(lim.MaxCommandsSize) || hdr+size > uint64(len(data)) {
		return invalid("Mach-O has too many or too large load commands (%d commands, %d bytes)", ncmds, size)
	}
	return nil
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
		return nil, invalid("malformed Mach-O file: %v", err)
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
	case s.SigSize < 12 || end > uint64(len(s.Data)):
		return invalid("LC_CODE_SIGNATURE (offset %d, size %d) lies outside the %d-byte slice", s.SigOffset, s.SigSize, len(s.Data))
	case end != uint64(len(s.Data)):
		return invalid("%d bytes follow the code signature and are covered by nothing", uint64(len(s.Data))-end)
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
