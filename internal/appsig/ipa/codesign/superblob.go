package codesign

import (
	"slices"
)

// Signature is a parsed embedded signature (SuperBlob) of one slice.
type Signature struct {
	// CodeDirectories in SuperBlob slot order: slot 0 first, then the
	// alternates 0x1000..0x1004.
	CodeDirectories []*CodeDirectory
	// Blobs maps every SuperBlob slot to its exact blob bytes (magic and
	// length included).
	Blobs map[uint32][]byte
}

// CMS returns the CMS SignedData of slot 0x10000 (the blob wrapper's
// payload), or nil when there is none or it is empty (ad-hoc).
func (s *Signature) CMS() []byte {
	b := s.Blobs[SlotCMS]
	if len(b) <= 8 {
		return nil
	}
	return b[8:]
}

// Entitlements returns the XML entitlements plist (slot 5 payload), or nil.
func (s *Signature) Entitlements() []byte {
	if b := s.Blobs[SlotEntitlements]; len(b) > 8 {
		return b[8:]
	}
	return nil
}

// Primary returns the strongest CodeDirectory, the one the kernel uses
// (xnu's hashPriorities: SHA-1 < SHA-256 truncated < SHA-256 < SHA-384).
func (s *Signature) Primary() *CodeDirectory {
	var best *CodeDirectory
	for _, cd := range s.CodeDirectories {
		if best == nil || hashRank(cd.HashType) > hashRank(best.HashType) {
			best = cd
		}
	}
	return best
}

// expectedMagic is the blob magic each known slot must carry.
var expectedMagic = map[uint32]uint32{
	SlotCodeDirectory:   magicCodeDirectory,
	SlotRequirements:    magicRequirements,
	SlotEntitlements:    magicEntitlements,
	SlotDEREntitlements: magicDEREntitlements,
	SlotCMS:             magicBlobWrapper,
}

// ParseSignature parses a SuperBlob and every CodeDirectory in it.
func ParseSignature(data []byte, lim Limits) (*Signature, error) {
	magic, ok1 := u32(data, 0)
	length, ok2 := u32(data, 4)
	count, ok3 := u32(data, 8)
	if !ok1 || !ok2 || !ok3 || magic != magicEmbeddedSig {
		return nil, invalid("code signature is not an embedded-signature SuperBlob")
	}
	if uint64(length) > uint64(len(data)) || count > uint32(lim.MaxBlobs) || uint64(length) < 12+8*uint64(count) {
		return nil, invalid("code signature SuperBlob has a bad length (%d) or blob count (%d)", length, count)
	}
	data = data[:length]
	sig := &Signature{Blobs: make(map[uint32][]byte, count)}
	var spans [][2]uint64
	for i := range uint64(count) {
		slot, _ := u32(data, 12+8*i)
		off, _ := u32(data, 16+8*i)
		b, err := blobAt(data, uint64(off), 12+8*uint64(count))
		if err != nil {
			return nil, err
		}
		if err := sig.addBlob(slot, b); err != nil {
			return nil, err
		}
		spans = append(spans, [2]uint64{uint64(off), uint64(off) + uint64(len(b))})
	}
	if err := checkDisjoint(spans); err != nil {
		return nil, err
	}
	return sig, sig.parseCodeDirectories()
}

// blobAt returns the blob at off, which must lie after the index and inside data.
func blobAt(data []byte, off, indexEnd uint64) ([]byte, error) {
	blen, ok := u32(data, off+4)
	if off < indexEnd || !ok || blen < 8 || uint64(blen) > uint64(len(data))-off {
		return nil, invalid("code signature blob at offset %d lies outside its SuperBlob", off)
	}
	return data[off : off+uint64(blen)], nil
}

func (s *Signature) addBlob(slot uint32, b []byte) error {
	if _, dup := s.Blobs[slot]; dup {
		return invalid("code signature has two blobs in slot %s", hexSlot(slot))
	}
	if slot == SlotInfoPlist || slot == SlotResourceDir {
		return invalid("code signature has a blob in slot %s, which must be a file outside the binary", hexSlot(slot))
	}
	want, known := expectedMagic[slot]
	if slot >= slotAltCDFirst && slot <= slotAltCDLast {
		want, known = magicCodeDirectory, true
	}
	if got := be.Uint32(b); known && got != want {
		return invalid("code signature slot %s holds blob magic 0x%08x, want 0x%08x", hexSlot(slot), got, want)
	}
	s.Blobs[slot] = b
	return nil
}

// checkDisjoint rejects overlapping blobs: each byte belongs to one blob.
func checkDisjoint(spans [][2]uint64) error {
	slices.SortFunc(spans, func(a, b [2]uint64) int { return compare(a[0], b[0]) })
	for i := 1; i < len(spans); i++ {
		if spans[i][0] < spans[i-1][1] {
			return invalid("code signature blobs overlap at offset %d", spans[i][0])
		}
	}
	return nil
}

func compare(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Signature) parseCodeDirectories() error {
	slotsInOrder := []uint32{SlotCodeDirectory}
	for slot := uint32(slotAltCDFirst); slot <= slotAltCDLast; slot++ {
		slotsInOrder = append(slotsInOrder, slot)
	}
	for _, slot := range slotsInOrder {
		b, ok := s.Blobs[slot]
		if !ok {
			continue
		}
		cd, err := ParseCodeDirectory(b)
		if err != nil {
			return err
		}
		cd.Slot = slot
		s.CodeDirectories = append(s.CodeDirectories, cd)
	}
	if _, ok := s.Blobs[SlotCodeDirectory]; !ok {
		return invalid("code signature has no CodeDirectory in slot 0")
	}
	return s.checkAgreement()
}

// checkAgreement requires alternate CodeDirectories to describe the same
// code as slot 0; they may differ only in hash type.
func (s *Signature) checkAgreement() error {
	first := s.CodeDirectories[0]
	for _, cd := range s.CodeDirectories[1:] {
		if cd.Identifier != first.Identifier || cd.TeamID != first.TeamID ||
			cd.CodeLimit != first.CodeLimit || cd.Flags != first.Flags || cd.PageShift != first.PageShift {
			return invalid("CodeDirectory in slot %s disagrees with slot 0 on identifier, team, flags, code limit or page size", hexSlot(cd.Slot))
		}
		if cd.HashType == first.HashType {
			return invalid("two CodeDirectories with hash type %s", cd.HashName())
		}
	}
	return nil
}
