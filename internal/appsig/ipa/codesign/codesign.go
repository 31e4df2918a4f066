// Package codesign parses and verifies the embedded code signature of a
// Mach-O executable (thin or fat) as iOS and macOS use it: the SuperBlob
// behind LC_CODE_SIGNATURE, every CodeDirectory, the code-page and special-slot
// hashes, and the CMS signature over the CodeDirectory.
//
// Input is hostile: every count, offset and length is bounded and checked to
// lie inside its parent before it is used, and every failure is a
// fault.Invalid error with a one-line reason. The format follows xnu's
// osfmk/kern/cs_blobs.h.
package codesign

import (
	"encoding/binary"
	"fmt"

	"github.com/approov-cli/approov/internal/fault"
)

var be = binary.BigEndian

// Blob magics (cs_blobs.h).
const (
	magicRequirements    = 0xfade0c01
	magicCodeDirectory   = 0xfade0c02
	magicEmbeddedSig     = 0xfade0cc0
	magicEntitlements    = 0xfade7171
	magicDEREntitlements = 0xfade7172
	magicBlobWrapper     = 0xfade0b01
)

// Slots of the SuperBlob index; the special slots are also the (negated)
// indices of the CodeDirectory's special hashes.
const (
	SlotCodeDirectory   = 0
	SlotInfoPlist       = 1
	SlotRequirements    = 2
	SlotResourceDir     = 3
	SlotEntitlements    = 5
	SlotDEREntitlements = 7
	slotAltCDFirst      = 0x1000
	slotAltCDLast       = 0x1004
	SlotCMS             = 0x10000
	maxSpecialSlot      = 31 // slots 1..31 are special slots bound by hashes
)

// CodeDirectory flags of interest.
const (
	FlagAdhoc        = 0x2
	FlagRuntime      = 0x10000
	FlagLinkerSigned = 0x20000
)

// Limits bounds the work a signature may demand.
type Limits struct {
	MaxSlices        int   // architectures in a fat file
	MaxLoadCommands  int   // load commands per slice
	MaxCommandsSize  int   // bytes of load commands per slice
	MaxSignatureSize int64 // LC_CODE_SIGNATURE datasize
	MaxBlobs         int   // blobs in a SuperBlob
}

// DefaultLimits are far above what real apps use.
func DefaultLimits() Limits {
	return Limits{
		MaxSlices:        16,
		MaxLoadCommands:  4096,
		MaxCommandsSize:  4 << 20,
		MaxSignatureSize: 64 << 20,
		MaxBlobs:         64,
	}
}

func invalid(format string, a ...any) error {
	return fault.New(fault.Invalid, format, a...)
}

// u32 reads a big-endian uint32 at off, reporting whether it was in bounds.
func u32(b []byte, off uint64) (uint32, bool) {
	if off > uint64(len(b)) || uint64(len(b))-off < 4 {
		return 0, false
	}
	return be.Uint32(b[off:]), true
}

// hexSlot formats a slot number the way codesign(1) does.
func hexSlot(slot uint32) string { return fmt.Sprintf("0x%x", slot) }
