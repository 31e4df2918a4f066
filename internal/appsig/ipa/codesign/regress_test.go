package codesign

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"
)

// relocClaim is a thin arm64 Mach-O with one LC_SEGMENT_64 holding one
// section that claims nreloc relocations at file offset 0.
func relocClaim(nreloc uint32) []byte {
	le := binary.LittleEndian
	b := make([]byte, 32+72+80)
	le.PutUint32(b, 0xfeedfacf)
	le.PutUint32(b[4:], 0x0100000c)
	le.PutUint32(b[12:], 2) // MH_EXECUTE
	le.PutUint32(b[16:], 1)
	le.PutUint32(b[20:], 72+80)
	seg := b[32:]
	le.PutUint32(seg, 0x19) // LC_SEGMENT_64
	le.PutUint32(seg[4:], 72+80)
	copy(seg[8:], "__TEXT")
	le.PutUint32(seg[64:], 1) // nsects
	sect := seg[72:]
	copy(sect, "__text")
	copy(sect[16:], "__TEXT")
	le.PutUint32(sect[60:], nreloc)
	return b
}

// TestRelocationClaimNotRead: debug/macho reads a section's relocations
// while parsing load commands, allocating up to 10 MiB for a count a
// 184-byte file can claim. They are not part of the measurement.
func TestRelocationClaimNotRead(t *testing.T) {
	b := relocClaim(1 << 20)
	var err error
	n := alloctest.Bytes(func() { _, err = ParseExecutable(bytes.NewReader(b), int64(len(b)), DefaultLimits()) })
	if n > 64<<10 {
		t.Errorf("parsing %d bytes allocated %d (err %v)", len(b), n, err)
	}
	if err != nil {
		t.Fatal(err)
	}
}
