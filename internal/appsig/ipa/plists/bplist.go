package plists

import (
	"encoding/binary"
	"errors"
)

// Binary plist layout (CoreFoundation CFBinaryPList.c): objects, an offset
// table, and a 32-byte trailer. Containers refer to other objects by index,
// so one object may be referenced many times; howett.net/plist caches the
// parsed object but the decoded Go value is a tree, so a shared object is
// expanded once per reference.
const trailerSize = 32

// minSharedValues is how many values any binary plist may expand to,
// whatever its size.
const minSharedValues = 4096

var errBinary = errors.New("malformed binary property list")

type bplist struct {
	data      []byte
	offSize   int
	refSize   int
	numObjs   uint64
	tableOff  uint64
	expanded  []uint64 // values in the subtree of each object, 0 = not yet known
	inProcess []bool
	lim       Limits
}

// checkBinary walks the object graph from the top object, computing the
// size and depth of the tree the decoder will build, without building it.
func checkBinary(data []byte, lim Limits) error {
	if len(data) < len(bplistMagic)+trailerSize {
		return errBinary
	}
	t := data[len(data)-trailerSize:]
	p := &bplist{data: data, offSize: int(t[6]), refSize: int(t[7]), lim: lim,
		numObjs: binary.BigEndian.Uint64(t[8:]), tableOff: binary.BigEndian.Uint64(t[24:])}
	top := binary.BigEndian.Uint64(t[16:])
	if p.offSize < 1 || p.offSize > 8 || p.refSize < 1 || p.refSize > 8 || p.numObjs == 0 ||
		p.numObjs > uint64(len(data)) || top >= p.numObjs || p.tableOff > uint64(len(data)) ||
		p.numObjs*uint64(p.offSize) > uint64(len(data))-p.tableOff {
		return errBinary
	}
	// Every value of a real binary plist is an object or a reference (at
	// least a byte each) to a uniqued leaf: CoreFoundation shares strings,
	// numbers, dates and data, not containers. A tree larger than the file
	// comes from shared containers, a few bytes that decode to millions of
	// values. Small graphs (up to minSharedValues) stay acceptable.
	p.lim.MaxValues = min(p.lim.MaxValues, max(len(data), minSharedValues))
	p.expanded = make([]uint64, p.numObjs)
	p.inProcess = make([]bool, p.numObjs)
	_, err := p.walk(top, 0)
	return err
}

// uint reads a big-endian unsigned integer of n bytes at off.
func (p *bplist) uint(off uint64, n int) (uint64, bool) {
	if off > uint64(len(p.data)) || uint64(len(p.data))-off < uint64(n) {
		return 0, false
	}
	var v uint64
	for _, b := range p.data[off : off+uint64(n)] {
		v = v<<8 | uint64(b)
	}
	return v, true
}

func (p *bplist) walk(obj uint64, depth int) (uint64, error) {
	if depth > p.lim.MaxDepth {
		return 0, errors.New("nested too deeply")
	}
	if p.expanded[obj] != 0 {
		return p.expanded[obj], nil
	}
	if p.inProcess[obj] {
		return 0, errors.New("binary property list refers to itself")
	}
	p.inProcess[obj] = true
	defer func() { p.inProcess[obj] = false }()
	children, err := p.children(obj)
	if err != nil {
		return 0, err
	}
	total := uint64(1)
	for _, c := range children {
		n, err := p.walk(c, depth+1)
		if err != nil {
			return 0, err
		}
		if total += n; total > uint64(p.lim.MaxValues) {
			return 0, errors.New("expands to too many values")
		}
	}
	p.expanded[obj] = total
	return total, nil
}

// children returns the object indices an array, set or dictionary refers to;
// other objects have none.
func (p *bplist) children(obj uint64) ([]uint64, error) {
	off, ok := p.uint(p.tableOff+obj*uint64(p.offSize), p.offSize)
	if !ok || off >= p.tableOff {
		return nil, errBinary
	}
	marker := p.data[off]
	refsPerEntry := uint64(1)
	switch marker >> 4 {
	case 0xA, 0xC: // array, set
	case 0xD: // dictionary: keys then values
		refsPerEntry = 2
	default:
		return nil, nil
	}
	count, start, err := p.count(off)
	if err != nil {
		return nil, err
	}
	n := count * refsPerEntry
	if count > p.numObjs || n*uint64(p.refSize) > p.tableOff-start {
		return nil, errBinary
	}
	refs := make([]uint64, n)
	for i := range refs {
		r, _ := p.uint(start+uint64(i)*uint64(p.refSize), p.refSize)
		if r >= p.numObjs {
			return nil, errBinary
		}
		refs[i] = r
	}
	return refs, nil
}

// count decodes a container's entry count: the low nibble, or 0xF followed
// by an integer object; it returns where the references start.
func (p *bplist) count(off uint64) (count, start uint64, err error) {
	if c := uint64(p.data[off] & 0xF); c != 0xF {
		return c, off + 1, nil
	}
	intMarker, ok := p.uint(off+1, 1)
	if !ok || intMarker>>4 != 0x1 || intMarker&0xF > 3 {
		return 0, 0, errBinary
	}
	size := 1 << (intMarker & 0xF)
	c, ok := p.uint(off+2, size)
	if !ok {
		return 0, 0, errBinary
	}
	return c, off + 2 + uint64(size), nil
}
