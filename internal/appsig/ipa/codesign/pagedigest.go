package codesign

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
)

// DigestedPageSize is the page size PageDigester assumes: that of every
// CodeDirectory current Apple tools and the Go linker write.
const DigestedPageSize = 4096

// PageDigester digests a run of bytes as a SHA-256 CodeDirectory with 4 KiB
// pages would hash it, without knowing the CodeDirectory yet: it hashes
// each page (the last may be short) and keeps, instead of the page hashes,
// the SHA-256 of their concatenation (whole, and truncated to 20 bytes for
// sha256-truncated). An executable streamed once can so be checked against
// a signature found at its end (see VerifyPageDigests) with flat memory.
type PageDigester struct {
	page          []byte
	h             hash.Hash
	sum           []byte
	full, trunc   hash.Hash
	n             int64
	fullS, truncS []byte // set once the last page is in
}

// NewPageDigester returns an empty digester.
func NewPageDigester() *PageDigester {
	return &PageDigester{page: make([]byte, 0, DigestedPageSize), h: sha256.New(), full: sha256.New(), trunc: sha256.New()}
}

// Write adds bytes to the run.
func (d *PageDigester) Write(b []byte) (int, error) {
	n := len(b)
	d.n += int64(n)
	for len(b) > 0 {
		if len(d.page) == 0 && len(b) >= DigestedPageSize {
			d.addPage(b[:DigestedPageSize])
			b = b[DigestedPageSize:]
			continue
		}
		k := copy(d.page[len(d.page):DigestedPageSize], b)
		d.page, b = d.page[:len(d.page)+k], b[k:]
		if len(d.page) == DigestedPageSize {
			d.addPage(d.page)
			d.page = d.page[:0]
		}
	}
	return n, nil
}

func (d *PageDigester) addPage(p []byte) {
	d.h.Reset()
	d.h.Write(p)
	d.sum = d.h.Sum(d.sum[:0])
	d.full.Write(d.sum)
	d.trunc.Write(d.sum[:cdHashLen])
}

// Len is the number of bytes written.
func (d *PageDigester) Len() int64 { return d.n }

// digest ends the run (hashing a short last page) and returns the digest
// of its page hashes truncated to size bytes (32 or 20).
func (d *PageDigester) digest(size uint64) []byte {
	if d.fullS == nil {
		if len(d.page) > 0 {
			d.addPage(d.page)
			d.page = d.page[:0]
		}
		d.fullS, d.truncS = d.full.Sum(nil), d.trunc.Sum(nil)
	}
	if size == cdHashLen {
		return d.truncS
	}
	return d.fullS
}

// VerifyPageDigests checks every slice as Verify does, except that a slice's
// code pages are not read: digestOf(from, to) must return a PageDigester
// that was fed exactly the executable's bytes [from, to) of the slice's
// code, and its digest must equal that of the CodeDirectory's code slots.
// It reports false, with no error, when it cannot decide: some
// CodeDirectory is not SHA-256 with 4 KiB pages, digestOf has no digester
// for the range, or a digest differs. The caller then runs Verify, which
// reads the pages and names the one that fails.
func (e *Executable) VerifyPageDigests(digestOf func(from, to int64) *PageDigester) (bool, error) {
	for _, s := range e.Slices {
		if s.Signature == nil {
			return false, invalid("slice %s is not signed", s.CPU)
		}
		for _, cd := range s.Signature.CodeDirectories {
			if cd.CodeLimit != uint64(s.SigOffset) {
				return false, invalid("slice %s: code limit %d does not end where the signature starts (%d)", s.CPU, cd.CodeLimit, s.SigOffset)
			}
			if !cd.digestedPagesMatch(digestOf(s.Offset, s.Offset+int64(cd.CodeLimit))) {
				return false, nil
			}
			if err := s.Signature.verifyEmbeddedSlots(cd); err != nil {
				return false, fmt.Errorf("slice %s: %w", s.CPU, err)
			}
		}
	}
	return true, nil
}

func (cd *CodeDirectory) digestedPagesMatch(d *PageDigester) bool {
	if d == nil || cd.PageShift != 12 || (cd.HashType != HashSHA256 && cd.HashType != HashSHA256Trunc) || d.Len() != int64(cd.CodeLimit) {
		return false
	}
	slots := cd.Raw[cd.hashOffset : cd.hashOffset+uint64(cd.NCode)*cd.hashSize]
	want := sha256.Sum256(slots)
	return bytes.Equal(d.digest(cd.hashSize), want[:])
}
