package ipa

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/approov-cli/approov/internal/appsig/ipa/codesign"
	"github.com/approov-cli/approov/internal/appsig/ipa/profile"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
)

// code is one signed executable (main or nested) and what its signature says.
type code struct {
	rel            string // executable path relative to the bundle root
	entry          *zipsafe.File
	r              io.ReaderAt // the executable's bytes
	size           int64
	exe            *codesign.Executable
	slices         []Slice
	adhoc          bool
	team           string           // CodeDirectory team ID, "" if none
	signer         *codesign.Signer // nil when ad-hoc
	entitlements   []byte           // XML entitlements plist, nil if none
	infoBound      bool             // Info.plist bound by slot 1
	resourcesBound bool             // CodeResources bound by slot 3
}

// parseCode opens and parses an executable; nothing is verified yet. A
// stored (uncompressed) entry is read in place through the archive; a small
// deflated one is inflated into memory, a large one is inflated as read
// (once, see inflatingReaderAt), so memory stays flat however large the
// executable is.
func (b *bundle) parseCode(rel string) (*code, error) {
	c, err := b.openCode(rel)
	if err != nil {
		return nil, err
	}
	if c.exe, err = codesign.ParseExecutable(c.r, c.size, b.lim.CodeSign); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	for _, s := range c.exe.Slices {
		if s.Signature == nil {
			return nil, invalid("%s: slice %s is not signed", rel, s.CPU)
		}
		c.slices = append(c.slices, describeSlice(s))
	}
	first := c.exe.Slices[0].Signature.CodeDirectories[0]
	c.adhoc, c.team = first.Flags&codesign.FlagAdhoc != 0, first.TeamID
	c.entitlements = c.exe.Slices[0].Signature.Entitlements()
	return c, c.checkSlicesAgree()
}

// openCode gives random access to an executable entry.
func (b *bundle) openCode(rel string) (*code, error) {
	f := b.lookup(rel)
	if f == nil || f.IsDir() {
		return nil, invalid("executable %q is missing from the bundle", rel)
	}
	if f.UncompressedSize > uint64(b.lim.MaxExecutableSize) {
		return nil, invalid("executable %q: %d bytes exceed the limit of %d", rel, f.UncompressedSize, b.lim.MaxExecutableSize)
	}
	c := &code{rel: rel, entry: f, size: int64(f.UncompressedSize)}
	switch {
	case f.Method == 0:
		c.r = io.NewSectionReader(b.a.ReaderAt(), f.DataOffset, c.size)
	case c.size <= b.lim.MaxInflatedInMemory:
		data, err := b.a.ReadAll(f, b.lim.MaxInflatedInMemory)
		if err != nil {
			return nil, err
		}
		c.r = bytes.NewReader(data)
	default:
		r := newInflatingReaderAt(b.a, f)
		b.closers = append(b.closers, r)
		c.r = r
	}
	return c, nil
}

func describeSlice(s *codesign.Slice) Slice {
	primary := s.Signature.Primary()
	full := primary.CDHashFull()
	out := Slice{CPU: s.CPU, CDHashType: primary.HashName(), CDHashFull: hexOf(full), CDHash: hexOf(full[:20]),
		Identifier: primary.Identifier, TeamID: primary.TeamID, Flags: fmt.Sprintf("0x%x", primary.Flags),
		AdHoc: primary.Flags&codesign.FlagAdhoc != 0}
	for _, cd := range s.Signature.CodeDirectories {
		f := cd.CDHashFull()
		out.CodeDirectories = append(out.CodeDirectories, CodeDirectory{Slot: fmt.Sprintf("0x%x", cd.Slot),
			HashType: cd.HashName(), CDHashFull: hexOf(f), CDHash: hexOf(f[:20]), Pages: cd.NCode, Primary: cd == primary})
	}
	return out
}

// checkSlicesAgree requires every slice to be signed the same way: all
// ad-hoc or none, one team ID, one identifier, the same entitlements.
func (c *code) checkSlicesAgree() error {
	for _, s := range c.exe.Slices[1:] {
		cd := s.Signature.CodeDirectories[0]
		switch {
		case (cd.Flags&codesign.FlagAdhoc != 0) != c.adhoc:
			return invalid("%s: slices are not all ad-hoc or all CMS-signed", c.rel)
		case cd.TeamID != c.team:
			return invalid("%s: slices carry different team IDs", c.rel)
		case cd.Identifier != c.slices[0].Identifier:
			return invalid("%s: slices carry different identifiers", c.rel)
		case !bytes.Equal(s.Signature.Entitlements(), c.entitlements):
			return invalid("%s: slices carry different entitlements", c.rel)
		}
	}
	return nil
}

// verify checks every slice: code pages, special slots (Info.plist and
// CodeResources given as file contents, nil when absent) and the CMS signer,
// which must be the same certificate in every slice.
func (c *code) verify(ctx context.Context, info, resources []byte) error {
	if err := c.verifyBytes(ctx); err != nil {
		return err
	}
	for i, s := range c.exe.Slices {
		infoBound, err := s.Signature.CheckFile(codesign.SlotInfoPlist, info)
		if err != nil {
			return fmt.Errorf("%s: slice %s: %w", c.rel, s.CPU, err)
		}
		resBound, err := s.Signature.CheckFile(codesign.SlotResourceDir, resources)
		if err != nil {
			return fmt.Errorf("%s: slice %s: %w", c.rel, s.CPU, err)
		}
		signer, err := s.Signature.VerifyCMS()
		if err != nil {
			return fmt.Errorf("%s: slice %s: %w", c.rel, s.CPU, err)
		}
		if i == 0 {
			c.infoBound, c.resourcesBound, c.signer = infoBound, resBound, signer
			continue
		}
		if infoBound != c.infoBound || resBound != c.resourcesBound || !sameSigner(signer, c.signer) {
			return invalid("%s: slices are sealed or signed differently", c.rel)
		}
	}
	return nil
}

// verifyBytes reads the executable once: code pages and embedded slots of
// every slice, and its zip CRC-32 (checked here because a stored entry is
// read in place rather than through zipsafe's reader). A large deflated
// executable was already streamed past once while parsing: its pages are
// checked from the digests of that pass when they can be.
func (c *code) verifyBytes(ctx context.Context) error {
	if ir, ok := c.r.(*inflatingReaderAt); ok {
		done, err := ir.verifyStreamed(ctx, c.exe)
		if err != nil {
			return fmt.Errorf("%s: %w", c.rel, err)
		}
		if done {
			return nil
		}
	}
	crc := crc32.NewIEEE()
	if err := c.exe.Verify(ctx, crc); err != nil {
		return fmt.Errorf("%s: %w", c.rel, err)
	}
	if crc.Sum32() != c.entry.CRC32 {
		return invalid("%s: zip entry does not match its CRC-32", c.rel)
	}
	return nil
}

func sameSigner(a, b *codesign.Signer) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Leaf.Equal(b.Leaf)
}

// describeSigner turns the verified CMS signer into its measurement.
func describeSigner(s *codesign.Signer) *Signer {
	out := &Signer{CertSHA256: profile.CertSHA256(s.Leaf), Subject: s.Leaf.Subject.String()}
	if ou := s.Leaf.Subject.OrganizationalUnit; len(ou) > 0 {
		out.SubjectOU = ou[0]
	}
	for _, c := range s.Certificates {
		if !c.Equal(s.Leaf) {
			out.ChainSHA256 = append(out.ChainSHA256, profile.CertSHA256(c))
		}
	}
	return out
}
