package apk

import (
	"encoding/binary"
	"unicode/utf16"

	"github.com/approov-cli/approov/internal/fault"
)

// MaxManifestSize bounds the binary AndroidManifest.xml read into memory.
const MaxManifestSize = 8 << 20

// ManifestInfo is what the measurement takes from AndroidManifest.xml.
type ManifestInfo struct {
	Package     string
	VersionCode int64 // versionCodeMajor<<32 | versionCode
	VersionName string
	MinSDK      int // 0 when absent or a codename
	TargetSDK   int
}

// Binary XML chunk types (frameworks/base/libs/androidfw ResourceTypes.h).
const (
	chunkXML         = 0x0003
	chunkStringPool  = 0x0001
	chunkResourceMap = 0x0180
	chunkStartTag    = 0x0102
	chunkEndTag      = 0x0103
	utf8Flag         = 1 << 8
)

// Attribute resource IDs (android.R.attr).
const (
	attrVersionCode      = 0x0101021b
	attrVersionName      = 0x0101021c
	attrVersionCodeMajor = 0x01010576
	attrMinSdk           = 0x0101020c
	attrTargetSdk        = 0x01010270
)

func axmlErr(format string, a ...any) error {
	return fault.New(fault.Invalid, "AndroidManifest.xml: "+format, a...)
}

// DecodeManifest decodes the binary (AXML) AndroidManifest.xml. It reads
// every value straight out of b, allocating only the strings it returns, so
// a hostile manifest cannot claim its way to large allocations (avast's
// apkparser allocates whatever a chunk header claims). Attributes are
// matched by resource ID first, as the platform does, then by name.
func DecodeManifest(b []byte) (*ManifestInfo, error) {
	if len(b) > MaxManifestSize {
		return nil, axmlErr("%d bytes exceed the limit of %d", len(b), MaxManifestSize)
	}
	d := &axml{b: b}
	if err := d.walk(); err != nil {
		return nil, err
	}
	if !d.sawManifest {
		return nil, axmlErr("no <manifest> root element")
	}
	d.info.VersionCode = d.major<<32 | d.minor
	return &d.info, nil
}

type axml struct {
	b            []byte
	pool         []byte // string pool chunk
	poolCount    uint32
	poolUTF8     bool
	poolStrings  uint32            // offset of string data within pool
	resIDs       []byte            // resource map chunk body
	strs         map[uint32]string // decoded pool strings: each is decoded once
	depth        int
	sawManifest  bool
	finished     bool // </manifest> seen
	info         ManifestInfo
	major, minor int64
}

func (d *axml) walk() error {
	le := binary.LittleEndian
	if len(d.b) < 8 || le.Uint16(d.b) != chunkXML {
		return axmlErr("not a binary XML document")
	}
	hdr, size := int(le.Uint16(d.b[2:])), le.Uint32(d.b[4:])
	if hdr < 8 || uint64(size) > uint64(len(d.b)) || hdr > int(size) {
		return axmlErr("bad document header")
	}
	for pos := hdr; pos+8 <= int(size); {
		typ, chdr, csize := le.Uint16(d.b[pos:]), int(le.Uint16(d.b[pos+2:])), le.Uint32(d.b[pos+4:])
		if csize < 8 || uint64(pos)+uint64(csize) > uint64(size) || chdr > int(csize) || chdr < 8 {
			return axmlErr("chunk at offset %d has a bad size", pos)
		}
		// Every chunk is checked, also after </manifest>: apkverifier's
		// decoder reads on and allocates what each chunk header claims.
		if err := d.chunk(typ, d.b[pos:pos+int(csize)], chdr); err != nil {
			return err
		}
		pos += int(csize)
	}
	return nil
}

// chunk handles one chunk; elements after </manifest> are ignored.
func (d *axml) chunk(typ uint16, c []byte, hdr int) error {
	switch typ {
	case chunkStringPool:
		return d.setPool(c, hdr)
	case chunkResourceMap:
		d.resIDs = c[hdr:]
	case chunkStartTag:
		d.depth++
		if d.finished {
			return nil
		}
		return d.startTag(c, hdr)
	case chunkEndTag:
		d.depth--
		d.finished = d.finished || (d.depth == 0 && d.sawManifest)
	}
	return nil
}

func (d *axml) setPool(c []byte, hdr int) error {
	le := binary.LittleEndian
	if hdr < 28 || d.pool != nil {
		return axmlErr("bad or repeated string pool")
	}
	d.pool, d.poolCount = c, le.Uint32(c[8:])
	d.poolUTF8 = le.Uint32(c[16:])&utf8Flag != 0
	d.poolStrings = le.Uint32(c[20:])
	if uint64(hdr)+4*uint64(d.poolCount) > uint64(len(c)) || uint64(d.poolStrings) > uint64(len(c)) {
		return axmlErr("string pool is out of bounds")
	}
	return d.checkStrings()
}

// checkStrings proves every string's length fits in the pool, so that no
// decoder (ours or apkverifier's, which reads the manifest after us)
// allocates for a length the data cannot back.
func (d *axml) checkStrings() error {
	for i := uint32(0); i < d.poolCount; i++ {
		if _, err := d.strLen(i); err != nil {
			return err
		}
	}
	return nil
}

// str returns pool string i; an out-of-range index is an error, 0xffffffff is "".
// Strings are memoised: a manifest naming one long string from many tags
// would otherwise cost its length in allocations per reference.
func (d *axml) str(i uint32) (string, error) {
	if i == 0xffffffff {
		return "", nil
	}
	if s, ok := d.strs[i]; ok {
		return s, nil
	}
	b, err := d.strLen(i)
	if err != nil {
		return "", err
	}
	s := decodeString(b, d.poolUTF8)
	if d.strs == nil {
		d.strs = map[uint32]string{}
	}
	d.strs[i] = s
	return s, nil
}

func decodeString(b []byte, isUTF8 bool) string {
	if isUTF8 {
		return string(b)
	}
	u := make([]uint16, len(b)/2)
	for k := range u {
		u[k] = binary.LittleEndian.Uint16(b[2*k:])
	}
	return string(utf16.Decode(u))
}

// strLen returns the bytes of pool string i after checking its bounds.
func (d *axml) strLen(i uint32) ([]byte, error) {
	if i >= d.poolCount {
		return nil, axmlErr("string index %d out of range", i)
	}
	off := uint64(d.poolStrings) + uint64(binary.LittleEndian.Uint32(d.pool[28+4*i:]))
	if off >= uint64(len(d.pool)) {
		return nil, axmlErr("string %d is out of bounds", i)
	}
	if d.poolUTF8 {
		return utf8At(d.pool[off:])
	}
	return utf16At(d.pool[off:])
}

func utf8At(b []byte) ([]byte, error) {
	_, n1, ok1 := len8(b) // length in UTF-16 units, unused
	blen, n2, ok2 := len8(b[min(n1, len(b)):])
	start := n1 + n2
	if !ok1 || !ok2 || start+blen > len(b) {
		return nil, axmlErr("string is out of bounds")
	}
	return b[start : start+blen], nil
}

// len8 decodes a 1- or 2-byte UTF-8 pool length.
func len8(b []byte) (int, int, bool) {
	if len(b) < 1 {
		return 0, 0, false
	}
	if b[0]&0x80 == 0 {
		return int(b[0]), 1, true
	}
	if len(b) < 2 {
		return 0, 0, false
	}
	return int(b[0]&0x7f)<<8 | int(b[1]), 2, true
}

func utf16At(b []byte) ([]byte, error) {
	le := binary.LittleEndian
	if len(b) < 2 {
		return nil, axmlErr("string is out of bounds")
	}
	n, start := int(le.Uint16(b)), 2
	if n&0x8000 != 0 {
		if len(b) < 4 {
			return nil, axmlErr("string is out of bounds")
		}
		n, start = (n&0x7fff)<<16|int(le.Uint16(b[2:])), 4
	}
	if start+2*n > len(b) {
		return nil, axmlErr("string is out of bounds")
	}
	return b[start : start+2*n], nil
}
