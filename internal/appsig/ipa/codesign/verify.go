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
// against every CodeDirectory; memory stays flat whatever the page size.
func (s *Slice) verifyPages(ctx context.Context, w io.Writer, cds []*CodeDirectory) error {
	limit := cds[0].CodeLimit
	checks := make([]*pageCheck, len(cds))
	for i, cd := range cds {
		checks[i] = newPageCheck(cd)
	}
	buf := make([]byte, min(limit, readChunk))
	for start := uint64(0); start < limit; start += uint64(len(buf)) {
		if err := ctx.Err(); err != nil {
			return fault.Wrap(fault.Cancelled, err)
		}
		chunk := buf[:min(uint64(len(buf)), limit-start)]
		if _, err := s.r.ReadAt(chunk, int64(start)); err != nil {
			return invalid("code cannot be read: %v", err)
		}
		if err := checkPieces(w, chunk, checks); err != nil {
			return err
		}
	}
	return nil
}

// checkPieces writes chunk to w and to every check, a piece at a time.
func checkPieces(w io.Writer, chunk []byte, checks []*pageCheck) error {
	for len(chunk) > 0 {
		piece := chunk[:min(len(chunk), cacheChunk)]
		chunk = chunk[len(piece):]
		w.Write(piece)
		for _, c := range checks {
			if err := c.write(piece); err != nil {
				return err
			}
		}
	}
	return nil
}

// pageCheck hashes one CodeDirectory's code as it streams by and checks
// each page once its last byte is in: a page may span pieces, and with page
// shift 0 one page is the whole code.
type pageCheck struct {
	cd       *CodeDirectory
	h        hash.Hash
	pageSize uint64
	page     uint64 // index of the page being hashed
	in       uint64 // its bytes hashed so far
	pos      uint64 // code bytes hashed
	sum      [64]byte
}

func newPageCheck(cd *CodeDirectory) *pageCheck {
	size := cd.CodeLimit
	if cd.PageShift != 0 {
		size = 1 << cd.PageShift
	}
	return &pageCheck{cd: cd, h: hashTypes[cd.HashType].alg.New(), pageSize: size}
}

func (c *pageCheck) write(b []byte) error {
	for len(b) > 0 {
		k := min(uint64(len(b)), c.pageSize-c.in)
		c.h.Write(b[:k])
		b, c.in, c.pos = b[k:], c.in+k, c.pos+k
		if c.in == c.pageSize || c.pos == c.cd.CodeLimit {
			if err := c.checkPage(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *pageCheck) checkPage() error {
	got := c.h.Sum(c.sum[:0])
	if !bytes.Equal(got[:c.cd.hashSize], c.cd.codeSlot(c.page)) {
		return invalid("code page %d (offset %d) does not match its %s hash in the CodeDirectory",
			c.page, c.page*c.pageSize, c.cd.HashName())
	}
	c.h.Reset()
	c.page, c.in = c.page+1, 0
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
