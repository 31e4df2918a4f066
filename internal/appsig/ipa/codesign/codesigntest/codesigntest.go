// Package codesigntest builds small, validly signed (ad-hoc) Mach-O files
// for tests and fuzz seeds of the code-signature parsers.
package codesigntest

import (
	"crypto/sha256"
	"encoding/binary"
)

var be = binary.BigEndian

const (
	lcCodeSig          = 0x1d
	fatMagic           = 0xcafebabe
	magicRequirements  = 0xfade0c01
	magicCodeDirectory = 0xfade0c02
	magicEmbeddedSig   = 0xfade0cc0
	magicEntitlements  = 0xfade7171
	flagAdhoc          = 0x2
	hashSHA256         = 2
)

// CPU types for Synth.
const (
	CPUARM64  = 0x0100000c
	CPUX86_64 = 0x01000007
)

// Synth builds a small but valid thin Mach-O signed ad-hoc: a header, one
// LC_CODE_SIGNATURE, codeSize bytes of "code" and a SuperBlob with a
// SHA-256 CodeDirectory, an empty requirements set bound in slot -2 and,
// when ents is set, XML entitlements bound in slot -5. extraLoads are
// appended after LC_CODE_SIGNATURE as further load commands.
func Synth(cpu uint32, codeSize int, ents []byte, extraLoads ...[]byte) []byte {
	return synth(cpu, codeSize, ents, 12, extraLoads)
}

// SynthPageShift is Synth without entitlements, its CodeDirectory hashing
// pages of 2^shift bytes (0: one page covers all the code).
func SynthPageShift(cpu uint32, codeSize int, shift uint8) []byte {
	return synth(cpu, codeSize, nil, shift, nil)
}

func synth(cpu uint32, codeSize int, ents []byte, shift uint8, extraLoads [][]byte) []byte {
	le := binary.LittleEndian
	exe := make([]byte, 32+16, codeSize)
	le.PutUint32(exe[0:], 0xfeedfacf)
	le.PutUint32(exe[4:], cpu)
	le.PutUint32(exe[12:], 2)                         // MH_EXECUTE
	le.PutUint32(exe[16:], uint32(1+len(extraLoads))) // ncmds
	le.PutUint32(exe[32:], lcCodeSig)
	le.PutUint32(exe[36:], 16)
	for _, l := range extraLoads {
		exe = append(exe, l...)
	}
	le.PutUint32(exe[20:], uint32(len(exe)-32)) // sizeofcmds
	for len(exe) < codeSize {
		exe = append(exe, byte(len(exe)))
	}
	reqs := appendBlob(magicRequirements, be.AppendUint32(nil, 0))
	var entBlob []byte
	if ents != nil {
		entBlob = appendBlob(magicEntitlements, ents)
	}
	build := func() []byte {
		blobs := [][2]any{{uint32(0), synthCD(exe, reqs, entBlob, shift)}, {uint32(2), reqs}}
		if entBlob != nil {
			blobs = append(blobs, [2]any{uint32(5), entBlob})
		}
		return superBlobOf(blobs)
	}
	le.PutUint32(exe[40:], uint32(len(exe)))
	le.PutUint32(exe[44:], uint32(len(build())))
	return append(exe, build()...) // the CD covers the final header
}

func appendBlob(magic uint32, payload []byte) []byte {
	b := be.AppendUint32(nil, magic)
	b = be.AppendUint32(b, uint32(8+len(payload)))
	return append(b, payload...)
}

func synthCD(code, reqs, ents []byte, shift uint8) []byte {
	const hdr, nSpecial = 52, 5
	ident := "com.example.synth\x00"
	hashOff := hdr + len(ident) + nSpecial*32
	page := len(code)
	if shift != 0 {
		page = 1 << shift
	}
	nCode := (len(code) + page - 1) / page
	b := be.AppendUint32(nil, magicCodeDirectory)
	for _, v := range []uint32{0, 0x20200, flagAdhoc, uint32(hashOff), hdr, nSpecial, uint32(nCode), uint32(len(code))} {
		b = be.AppendUint32(b, v)
	}
	b = append(b, 32, hashSHA256, 0, shift)
	b = be.AppendUint32(b, 0) // spare2
	b = be.AppendUint32(b, 0) // scatter
	b = be.AppendUint32(b, 0) // team
	b = append(b, ident...)
	for s := nSpecial; s >= 1; s-- {
		var h [32]byte
		switch {
		case s == 2:
			h = sha256.Sum256(reqs)
		case s == 5 && ents != nil:
			h = sha256.Sum256(ents)
		}
		b = append(b, h[:]...)
	}
	for p := 0; p < len(code); p += page {
		h := sha256.Sum256(code[p:min(p+page, len(code))])
		b = append(b, h[:]...)
	}
	be.PutUint32(b[4:], uint32(len(b)))
	return b
}

func superBlobOf(blobs [][2]any) []byte {
	b := be.AppendUint32(nil, magicEmbeddedSig)
	b = be.AppendUint32(b, 0)
	b = be.AppendUint32(b, uint32(len(blobs)))
	off := 12 + 8*len(blobs)
	for _, x := range blobs {
		b = be.AppendUint32(b, x[0].(uint32))
		b = be.AppendUint32(b, uint32(off))
		off += len(x[1].([]byte))
	}
	for _, x := range blobs {
		b = append(b, x[1].([]byte)...)
	}
	be.PutUint32(b[4:], uint32(len(b)))
	return b
}

// Fat wraps thin Mach-Os in a fat header (32-bit fat_arch entries).
func Fat(thins ...[]byte) []byte {
	hdr := be.AppendUint32(nil, fatMagic)
	hdr = be.AppendUint32(hdr, uint32(len(thins)))
	off := 8 + 20*len(thins)
	var body []byte
	for _, t := range thins {
		hdr = be.AppendUint32(hdr, binary.LittleEndian.Uint32(t[4:]))
		hdr = be.AppendUint32(hdr, binary.LittleEndian.Uint32(t[8:]))
		hdr = be.AppendUint32(hdr, uint32(off+len(body)))
		hdr = be.AppendUint32(hdr, uint32(len(t)))
		hdr = be.AppendUint32(hdr, 0)
		body = append(body, t...)
	}
	return append(hdr, body...)
}
