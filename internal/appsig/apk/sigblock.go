package apk

import (
	"encoding/binary"
	"fmt"

	"github.com/approov-cli/approov/internal/fault"
)

// Block IDs of the APK Signing Block (apksig V2/V3SchemeConstants and friends).
const (
	BlockV2          = 0x7109871a
	BlockV3          = 0xf05368c0
	BlockV31         = 0x1b93ad61
	BlockV32         = 0x70e1c89f
	BlockVerityPad   = 0x42726577
	BlockSourceStamp = 0x6dff800d
	BlockFrosting    = 0x2146444e
	BlockDependency  = 0x504b4453
	attrRotation     = 0x3ba06f8c
	attrRotationMin  = 0x559f8b02
)

// MaxSigningBlock bounds the APK Signing Block read into memory.
const MaxSigningBlock = 16 << 20

var blockNames = map[uint32]string{
	BlockV2: "v2", BlockV3: "v3", BlockV31: "v3.1", BlockV32: "v3.2",
	BlockVerityPad: "verity-padding", BlockSourceStamp: "source-stamp-v2",
	BlockFrosting: "play-frosting", BlockDependency: "dependency-metadata",
}

// SigningBlock is the parsed APK Signing Block.
type SigningBlock struct {
	V2, V3, V31 []BlockSigner
	Others      []OtherBlock // blocks we do not interpret, in file order
}

// OtherBlock records a block by ID and size.
type OtherBlock struct {
	ID   uint32
	Size int
}

// Name is the block's well-known name or its hex ID.
func (o OtherBlock) Name() string {
	if n, ok := blockNames[o.ID]; ok {
		return n
	}
	return fmt.Sprintf("0x%08x", o.ID)
}

// BlockSigner is one signer of a v2, v3 or v3.1 block.
type BlockSigner struct {
	Certs     [][]byte // DER, signer's own certificate first
	Digests   []Digest // content digests from the signed data
	SigAlgs   []uint32
	PublicKey []byte
	MinSDK    uint32 // v3/v3.1 only
	MaxSDK    uint32
	Lineage   []LineageCert // v3 proof-of-rotation, oldest first
}

// Digest is one (signature algorithm, content digest) pair.
type Digest struct {
	SigAlg uint32
	Value  []byte
}

// LineageCert is one node of a proof-of-rotation lineage.
type LineageCert struct {
	Cert  []byte
	Flags uint32
}

func blockErr(format string, a ...any) error {
	return fault.New(fault.Invalid, "APK Signing Block: "+format, a...)
}

// ParseSigningBlock parses a whole APK Signing Block (from its leading size
// field through the magic). Every length is checked against its parent.
func ParseSigningBlock(b []byte) (*SigningBlock, error) {
	if len(b) < 32 || string(b[len(b)-16:]) != "APK Sig Block 42" {
		return nil, blockErr("missing magic")
	}
	le := binary.LittleEndian
	size := le.Uint64(b)
	if size != uint64(len(b)-8) || le.Uint64(b[len(b)-24:]) != size {
		return nil, blockErr("sizes are inconsistent")
	}
	sb := &SigningBlock{}
	seen := map[uint32]bool{}
	for pairs := b[8 : len(b)-24]; len(pairs) > 0; {
		if len(pairs) < 12 {
			return nil, blockErr("truncated pair")
		}
		n := le.Uint64(pairs)
		if n < 4 || n > uint64(len(pairs)-8) {
			return nil, blockErr("pair length out of range")
		}
		id, val := le.Uint32(pairs[8:]), pairs[12:8+n]
		pairs = pairs[8+n:]
		if seen[id] {
			return nil, blockErr("block 0x%08x appears twice", id)
		}
		seen[id] = true
		if err := sb.add(id, val); err != nil {
			return nil, err
		}
	}
	return sb, nil
}

func (sb *SigningBlock) add(id uint32, val []byte) error {
	var dst *[]BlockSigner
	switch id {
	case BlockV2:
		dst = &sb.V2
	case BlockV3:
		dst = &sb.V3
	case BlockV31:
		dst = &sb.V31
	default:
		sb.Others = append(sb.Others, OtherBlock{ID: id, Size: len(val)})
		return nil
	}
	signers, err := parseSigners(val, id != BlockV2)
	if err != nil {
		return blockErr("%s: %v", blockNames[id], err)
	}
	*dst = signers
	return nil
}
