package codesign

import (
	"bytes"
	"crypto"
	_ "crypto/sha1" // registers crypto.SHA1 for hash type 1
	_ "crypto/sha256"
	_ "crypto/sha512" // registers crypto.SHA384
	"unicode/utf8"
)

// Hash types of a CodeDirectory (cs_blobs.h CS_HASHTYPE_*).
const (
	HashSHA1          = 1
	HashSHA256        = 2
	HashSHA256Trunc   = 3
	HashSHA384        = 4
	cdHashLen         = 20 // CS_CDHASH_LEN: "always - larger hashes are truncated"
	earliestVersion   = 0x20001
	versionScatter    = 0x20100
	versionTeamID     = 0x20200
	versionCodeLimit6 = 0x20300
	maxPageShift      = 16
	minPageShift      = 12
)

type hashInfo struct {
	name string
	alg  crypto.Hash
	size int // bytes stored per slot
	rank int // xnu hashPriorities: higher is stronger
}

var hashTypes = map[uint8]hashInfo{
	HashSHA1:        {"sha1", crypto.SHA1, 20, 1},
	HashSHA256Trunc: {"sha256-truncated", crypto.SHA256, 20, 2},
	HashSHA256:      {"sha256", crypto.SHA256, 32, 3},
	HashSHA384:      {"sha384", crypto.SHA384, 48, 4},
}

func hashRank(t uint8) int { return hashTypes[t].rank }

// CodeDirectory is one parsed CodeDirectory blob.
type CodeDirectory struct {
	Slot       uint32 // SuperBlob slot: 0 or 0x1000..0x1004
	Raw        []byte // exact blob bytes; the cdhash is computed over them
	Version    uint32
	Flags      uint32
	HashType   uint8
	PageShift  uint8 // log2 of the page size; 0 means one page covers all code
	NSpecial   uint32
	NCode      uint32
	CodeLimit  uint64
	Identifier string
	TeamID     string // "" when the CD carries none
	hashOffset uint64
	hashSize   uint64
}

// HashName is the hash type as a lowercase name ("sha256").
func (cd *CodeDirectory) HashName() string { return hashTypes[cd.HashType].name }

// CDHashFull is the CodeDirectory's own hash over its exact bytes.
func (cd *CodeDirectory) CDHashFull() []byte {
	h := hashTypes[cd.HashType].alg.New()
	h.Write(cd.Raw)
	return h.Sum(nil)
}

// CDHash is Apple's 20-byte cdhash: CDHashFull truncated to 20 bytes.
func (cd *CodeDirectory) CDHash() []byte { return cd.CDHashFull()[:cdHashLen] }

// SpecialSlot returns the stored hash for special slot n (1 = Info.plist,
// 2 = requirements, ...), or nil when the slot is beyond nSpecialSlots or all zero.
func (cd *CodeDirectory) SpecialSlot(n int) []byte {
	if n < 1 || uint64(n) > uint64(cd.NSpecial) {
		return nil
	}
	off := cd.hashOffset - uint64(n)*cd.hashSize
	h := cd.Raw[off : off+cd.hashSize]
	if bytes.Count(h, []byte{0}) == len(h) {
		return nil
	}
	return h
}

// codeSlot returns the stored hash of code page i.
func (cd *CodeDirectory) codeSlot(i uint64) []byte {
	off := cd.hashOffset + i*cd.hashSize
	return cd.Raw[off : off+cd.hashSize]
}

// hash computes this CD's hash of b, truncated to the stored size.
func (cd *CodeDirectory) hash(b []byte) []byte {
	h := hashTypes[cd.HashType].alg.New()
	h.Write(b)
	return h.Sum(nil)[:cd.hashSize]
}

// ParseCodeDirectory parses and bounds-checks one CodeDirectory blob.
func ParseCodeDirectory(b []byte) (*CodeDirectory, error) {
	if len(b) < 44 || be.Uint32(b) != magicCodeDirectory || uint64(be.Uint32(b[4:])) != uint64(len(b)) {
		return nil, invalid("CodeDirectory is truncated or has a bad magic or length")
	}
	cd := &CodeDirectory{Raw: b, Version: be.Uint32(b[8:]), Flags: be.Uint32(b[12:]),
		hashOffset: uint64(be.Uint32(b[16:])), NSpecial: be.Uint32(b[24:]), NCode: be.Uint32(b[28:]),
		CodeLimit: uint64(be.Uint32(b[32:])), hashSize: uint64(b[36]), HashType: b[37], PageShift: b[39]}
	for _, check := range []func([]byte) error{cd.checkVersion, cd.checkHashes, cd.readStrings, cd.checkPages} {
		if err := check(b); err != nil {
			return nil, err
		}
	}
	return cd, nil
}

func (cd *CodeDirectory) checkVersion(b []byte) error {
	if cd.Version < earliestVersion || cd.Version>>16 != 2 {
		return invalid("CodeDirectory version 0x%x is not supported", cd.Version)
	}
	need := 44
	switch {
	case cd.Version >= versionCodeLimit6:
		need = 64
	case cd.Version >= versionTeamID:
		need = 52
	case cd.Version >= versionScatter:
		need = 48
	}
	if len(b) < need {
		return invalid("CodeDirectory version 0x%x is shorter than its header", cd.Version)
	}
	if cd.Version >= versionScatter && be.Uint32(b[44:]) != 0 {
		return invalid("CodeDirectory uses scatter vectors, which are not supported")
	}
	if cd.Version >= versionCodeLimit6 {
		if limit64 := be.Uint64(b[56:]); limit64 != 0 {
			cd.CodeLimit = limit64
		}
	}
	return nil
}

func (cd *CodeDirectory) checkHashes(b []byte) error {
	info, ok := hashTypes[cd.HashType]
	if !ok {
		return invalid("CodeDirectory hash type %d is not supported", cd.HashType)
	}
	if cd.hashSize != uint64(info.size) {
		return invalid("CodeDirectory hash size %d does not match hash type %s", cd.hashSize, info.name)
	}
	if cd.NSpecial > maxSpecialSlot {
		return invalid("CodeDirectory has %d special slots (at most %d)", cd.NSpecial, maxSpecialSlot)
	}
	special := uint64(cd.NSpecial) * cd.hashSize
	end := cd.hashOffset + uint64(cd.NCode)*cd.hashSize // no overflow: every factor < 2^32
	if cd.hashOffset < special || end > uint64(len(b)) {
		return invalid("CodeDirectory hash slots lie outside the blob")
	}
	return nil
}

func (cd *CodeDirectory) readStrings(b []byte) error {
	var err error
	if cd.Identifier, err = cString(b, uint64(be.Uint32(b[20:])), "identifier"); err != nil {
		return err
	}
	if cd.Identifier == "" {
		return invalid("CodeDirectory has an empty identifier")
	}
	if cd.Version >= versionTeamID {
		if off := uint64(be.Uint32(b[48:])); off != 0 {
			cd.TeamID, err = cString(b, off, "team ID")
		}
	}
	return err
}

// cString reads a NUL-terminated UTF-8 string at off inside b.
func cString(b []byte, off uint64, what string) (string, error) {
	if off >= uint64(len(b)) {
		return "", invalid("CodeDirectory %s offset lies outside the blob", what)
	}
	n := bytes.IndexByte(b[off:], 0)
	if n < 0 || !utf8.Valid(b[off:off+uint64(n)]) {
		return "", invalid("CodeDirectory %s is not a terminated UTF-8 string", what)
	}
	return string(b[off : off+uint64(n)]), nil
}

func (cd *CodeDirectory) checkPages([]byte) error {
	if cd.PageShift != 0 && (cd.PageShift < minPageShift || cd.PageShift > maxPageShift) {
		return invalid("CodeDirectory page size 2^%d is not supported", cd.PageShift)
	}
	if want := cd.pageCount(); want != uint64(cd.NCode) {
		return invalid("CodeDirectory has %d code slots for a code limit of %d bytes (want %d)", cd.NCode, cd.CodeLimit, want)
	}
	return nil
}

func (cd *CodeDirectory) pageCount() uint64 {
	switch {
	case cd.CodeLimit == 0:
		return 0
	case cd.PageShift == 0:
		return 1
	}
	return (cd.CodeLimit + 1<<cd.PageShift - 1) >> cd.PageShift
}
