package codesign

import (
	"bytes"
	"context"
	"fmt"
	"hash"
	"io"
	"slices"

	"github.com/approov-cli/approov/internal/fault"
)

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

// readChunk is how much code is read at a time, and cacheChunk how much of
// it is checksummed and hashed at a time: 256 KiB reads match the file
// hasher's chunks, and 32 KiB pieces stay in L1 between the zip CRC-32 and
// the page hashes.
const (
	readChunk  = 256 << 10
	cacheChunk = 32 << 10
)

// Verify reads the whole executable once, in order, writing every byte to
// w (for a file digest; may be nil), and checks every slice: it must be
// signed, its code limit must end where the signature starts, every code
// page must hash to its slot in every CodeDirectory, and every blob in a
// special slot must match its hash (and every bound special slot have its
// blob). Slots 1 (Info.plist) and 3 (CodeResources) are files outside the
// binary: see Signature.CheckFile.
func (e *Executable) Verify(ctx context.Context, w io.Writer) error {
	if w == nil {
		w = io.Discard
	}
	byOffset := slices.Clone(e.Slices)
	slices.SortFunc(byOffset, func(a, b *Slice) int { return compare(uint64(a.Offset), uint64(b.Offset)) })
	pos := int64(0)
	for _, s := range byOffset {
		if err := copyRange(w, e.r, pos, s.Offset); err != nil {
			return err
		}
		if err := s.verify(ctx, w); err != nil {
			return err
		}
		pos = s.Offset + s.Size
	}
	return copyRange(w, e.r, pos, e.size)
}

// copyRange writes r's bytes [from, to) to w.
func copyRange(w io.Writer, r io.ReaderAt, from, to int64) error {
	if _, err := io.Copy(w, io.NewSectionReader(r, from, to-from)); err != nil {
		return invalid("executable cannot be read: %v", err)
	}
	return nil
}

func (s *Slice) verify(ctx context.Context, w io.Writer) error {
	if s.Signature == nil {
		return invalid("slice %s is not signed", s.CPU)
	}
	cds := s.Signature.CodeDirectories
	for _, cd := range cds {
		if cd.CodeLimit != uint64(s.SigOffset) {
			return invalid("slice %s: code limit %d does not end where the signature starts (%d)", s.CPU, cd.CodeLimit, s.SigOffset)
		}
	}
	if err := s.verifyPages(ctx, w, cds); err != nil {
		return fmt.Errorf("slice %s: %w", s.CPU, err)
	}
	if err := copyRange(w, s.r, int64(s.SigOffset), s.Size); err != nil {
		return err
	}
	for _, cd := range cds {
		if err := s.Signature.verifyEmbeddedSlots(cd); err != nil {
			return fmt.Errorf("slice %s: %w", s.CPU, err)
		}
	}
	return nil
}

// verifyPages reads the code [0, codeLimit) in chunks and checks each page
// against every CodeDirectory (they share the page size).
func (s *Slice) verifyPages(ctx context.Context, w io.Writer, cds []*CodeDirectory) error {
	limit := cds[0].CodeLimit
	if limit == 0 {
		return nil
	}
	pageSize := limit // page shift 0: one page
	if cds[0].PageShift != 0 {
		pageSize = 1 << cds[0].PageShift
	}
	step := max(pageSize, cacheChunk/pageSize*pageSize)
	buf := make([]byte, min(limit, max(step, readChunk/step*step)))
	hs := make([]hash.Hash, len(cds))
	for i, cd := range cds {
		hs[i] = hashTypes[cd.HashType].alg.New()
	}
	for start := uint64(0); start < limit; start += uint64(len(buf)) {
		if err := ctx.Err(); err != nil {
			return fault.Wrap(fault.Cancelled, err)
		}
		chunk := buf[:min(uint64(len(buf)), limit-start)]
		if _, err := s.r.ReadAt(chunk, int64(start)); err != nil {
			return invalid("code cannot be read: %v", err)
		}
		if err := checkPieces(w, chunk, start, step, pageSize, cds, hs); err != nil {
			return err
		}
	}
	return nil
}

// checkPieces writes chunk to w and checks its pages, step bytes at a time.
func checkPieces(w io.Writer, chunk []byte, start, step, pageSize uint64, cds []*CodeDirectory, hs []hash.Hash) error {
	for off := uint64(0); off < uint64(len(chunk)); off += step {
		piece := chunk[off:min(off+step, uint64(len(chunk)))]
		w.Write(piece)
		for i, cd := range cds {
			if err := cd.checkChunk(hs[i], piece, start+off, pageSize); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkChunk checks the pages of chunk, which starts at byte start, with
// h, a hash of the CodeDirectory's type.
func (cd *CodeDirectory) checkChunk(h hash.Hash, chunk []byte, start, pageSize uint64) error {
	var sum [64]byte
	for off := uint64(0); off < uint64(len(chunk)); off += pageSize {
		page := chunk[off:min(off+pageSize, uint64(len(chunk)))]
		h.Reset()
		h.Write(page)
		got := h.Sum(sum[:0])
		if i := (start + off) / pageSize; !bytes.Equal(got[:cd.hashSize], cd.codeSlot(i)) {
			return invalid("code page %d (offset %d) does not match its %s hash in the CodeDirectory", i, start+off, cd.HashName())
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
