package codesign

import (
	"bytes"
	"context"
	"fmt"

	"github.com/approov-cli/approov/internal/fault"
)

// pagesPerCheck is how many code pages are hashed between context checks.
const pagesPerCheck = 256

// slotNames names the special slots for error messages.
var slotNames = map[int]string{
	SlotInfoPlist: "Info.plist", SlotRequirements: "requirements", SlotResourceDir: "CodeResources",
	SlotEntitlements: "entitlements", SlotDEREntitlements: "DER entitlements",
}

func slotName(n int) string {
	if s, ok := slotNames[n]; ok {
		return s
	}
	return fmt.Sprintf("slot %d", n)
}

// Verify checks every CodeDirectory of a signed slice against the slice:
// the code limit ends where the signature starts, every code page hashes to
// its slot, and every blob in a special slot matches its hash (and every
// bound special slot has its blob). Slots 1 (Info.plist) and 3
// (CodeResources) are files outside the binary: see Signature.CheckFile.
func (s *Slice) Verify(ctx context.Context) error {
	if s.Signature == nil {
		return invalid("slice %s is not signed", s.CPU)
	}
	for _, cd := range s.Signature.CodeDirectories {
		if cd.CodeLimit != uint64(s.SigOffset) {
			return invalid("slice %s: code limit %d does not end where the signature starts (%d)", s.CPU, cd.CodeLimit, s.SigOffset)
		}
		if err := cd.verifyPages(ctx, s.Data); err != nil {
			return fmt.Errorf("slice %s: %w", s.CPU, err)
		}
		if err := s.Signature.verifyEmbeddedSlots(cd); err != nil {
			return fmt.Errorf("slice %s: %w", s.CPU, err)
		}
	}
	return nil
}

func (cd *CodeDirectory) verifyPages(ctx context.Context, data []byte) error {
	pageSize := cd.CodeLimit
	if cd.PageShift != 0 {
		pageSize = 1 << cd.PageShift
	}
	for i := range uint64(cd.NCode) {
		if i%pagesPerCheck == 0 && ctx.Err() != nil {
			return fault.Wrap(fault.Cancelled, ctx.Err())
		}
		start := i * pageSize
		page := data[start:min(start+pageSize, cd.CodeLimit)]
		if !bytes.Equal(cd.hash(page), cd.codeSlot(i)) {
			return invalid("code page %d (offset %d) does not match its %s hash in the CodeDirectory", i, start, cd.HashName())
		}
	}
	return nil
}

// verifyEmbeddedSlots checks the special slots whose content is a blob of
// the SuperBlob itself.
func (s *Signature) verifyEmbeddedSlots(cd *CodeDirectory) error {
	for n := 1; n <= maxSpecialSlot; n++ {
		if n == SlotInfoPlist || n == SlotResourceDir {
			continue
		}
		blob, present := s.Blobs[uint32(n)]
		want := cd.SpecialSlot(n)
		switch {
		case present && want == nil:
			return invalid("%s blob is not bound by the %s CodeDirectory", slotName(n), cd.HashName())
		case !present && want != nil:
			return invalid("%s CodeDirectory binds a %s blob that the signature lacks", cd.HashName(), slotName(n))
		case present && !bytes.Equal(cd.hash(blob), want):
			return invalid("%s blob does not match its hash in the %s CodeDirectory", slotName(n), cd.HashName())
		}
	}
	return nil
}

// CheckFile checks a file bound by special slot 1 (Info.plist) or 3
// (CodeResources) against every CodeDirectory. content is nil when the
// file is absent. It reports whether the slot binds the file; a file that is
// present but unbound is not an error (quill and the Go linker bind none).
func (s *Signature) CheckFile(slot int, content []byte) (bound bool, err error) {
	for i, cd := range s.CodeDirectories {
		want := cd.SpecialSlot(slot)
		if i > 0 && (want != nil) != bound {
			return false, invalid("CodeDirectories disagree on whether %s is bound", slotName(slot))
		}
		bound = want != nil
		switch {
		case want == nil:
		case content == nil:
			return true, invalid("%s is bound by the signature but missing", slotName(slot))
		case !bytes.Equal(cd.hash(content), want):
			return true, invalid("%s does not match its hash in the %s CodeDirectory", slotName(slot), cd.HashName())
		}
	}
	return bound, nil
}
