package codesign

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/ipa/codesign/codesigntest"

	"github.com/approov-cli/approov/internal/fault"
)

var ents = []byte(`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>get-task-allow</key><true/></dict></plist>`)

func TestSynthVerifies(t *testing.T) {
	for name, data := range map[string][]byte{
		"thin":         codesigntest.Synth(codesigntest.CPUARM64, 10000, nil),
		"entitlements": codesigntest.Synth(codesigntest.CPUARM64, 5000, ents),
		"one page":     codesigntest.Synth(codesigntest.CPUARM64, 100, nil),
		"fat":          codesigntest.Fat(codesigntest.Synth(codesigntest.CPUARM64, 9000, nil), codesigntest.Synth(codesigntest.CPUX86_64, 7000, ents)),
	} {
		t.Run(name, func(t *testing.T) {
			exe, err := parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if err := exe.Verify(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			for _, s := range exe.Slices {
				if signer, err := s.Signature.VerifyCMS(); signer != nil || err != nil {
					t.Fatalf("VerifyCMS on ad-hoc = %v, %v", signer, err)
				}
				if cd := s.Signature.Primary(); len(cd.CDHash()) != 20 || len(cd.CDHashFull()) != 32 {
					t.Fatalf("cdhash lengths %d/%d", len(cd.CDHash()), len(cd.CDHashFull()))
				}
			}
		})
	}
}

// mutation edits a valid synthetic executable; wantErr is part of the error.
type mutation struct {
	name    string
	edit    func(b []byte) []byte
	wantErr string
}

// sigOff is where the SuperBlob of a thin synth starts.
func sigOff(b []byte) int { return int(binary.LittleEndian.Uint32(b[40:])) }

// cdOff is where the slot-0 CodeDirectory starts.
func cdOff(b []byte) int { return sigOff(b) + int(be.Uint32(b[sigOff(b)+16:])) }

func put32(b []byte, off int, v uint32) []byte { be.PutUint32(b[off:], v); return b }

var mutations = []mutation{
	{"empty", func([]byte) []byte { return nil }, "too short"},
	{"bad magic", func(b []byte) []byte { b[0] = 0; return b }, "not a little-endian Mach-O"},
	{"too many load commands", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 1<<20); return b }, "too many or too large load commands"},
	{"load commands past end", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[20:], 1<<20); return b }, "too many or too large load commands"},
	{"signature past end", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[44:], 1<<30); return b }, "lies outside"},
	{"trailing bytes", func(b []byte) []byte { return append(b, 0) }, "follow the code signature"},
	{"code page flipped", func(b []byte) []byte { b[100] ^= 1; return b }, "code page 0"},
	{"last page flipped", func(b []byte) []byte { b[sigOff(b)-1] ^= 1; return b }, "code page 2"},
	{"superblob magic", func(b []byte) []byte { return put32(b, sigOff(b), 0) }, "not an embedded-signature SuperBlob"},
	{"superblob count", func(b []byte) []byte { return put32(b, sigOff(b)+8, 1<<30) }, "bad length"},
	{"superblob length", func(b []byte) []byte { return put32(b, sigOff(b)+4, 1<<30) }, "bad length"},
	{"blob offset outside", func(b []byte) []byte { return put32(b, sigOff(b)+16, 1<<30) }, "outside its SuperBlob"},
	{"blob offset in index", func(b []byte) []byte { return put32(b, sigOff(b)+16, 4) }, "outside its SuperBlob"},
	{"overlapping blobs", func(b []byte) []byte { return put32(b, sigOff(b)+24, be.Uint32(b[sigOff(b)+16:])) }, "magic"},
	{"duplicate slot", func(b []byte) []byte { return put32(b, sigOff(b)+20, 0) }, "two blobs in slot 0x0"},
	{"no CD", func(b []byte) []byte { return put32(b, sigOff(b)+12, 0x1000) }, "no CodeDirectory in slot 0"},
	{"info plist blob", func(b []byte) []byte { return put32(b, sigOff(b)+20, 1) }, "must be a file outside the binary"},
	{"CD version", func(b []byte) []byte { return put32(b, cdOff(b)+8, 0x30000) }, "version 0x30000 is not supported"},
	{"CD hash type", func(b []byte) []byte { b[cdOff(b)+37] = 9; return b }, "hash type 9"},
	{"CD hash size", func(b []byte) []byte { b[cdOff(b)+36] = 20; return b }, "hash size 20"},
	{"CD page size", func(b []byte) []byte { b[cdOff(b)+39] = 40; return b }, "page size"},
	{"CD slots", func(b []byte) []byte { return put32(b, cdOff(b)+28, 1<<31) }, "outside the blob"},
	{"CD special slots", func(b []byte) []byte { return put32(b, cdOff(b)+24, 1000) }, "special slots"},
	{"CD code slot count", func(b []byte) []byte { return put32(b, cdOff(b)+28, 1) }, "code slots for a code limit"},
	{"CD ident offset", func(b []byte) []byte { return put32(b, cdOff(b)+20, 1<<20) }, "identifier offset"},
	{"CD code limit", func(b []byte) []byte { return put32(b, cdOff(b)+32, 4096*3-1) }, "does not end where the signature starts"},
	{"CD length", func(b []byte) []byte { return put32(b, cdOff(b)+4, 12) }, "truncated or has a bad magic or length"},
	{"requirements tampered", func(b []byte) []byte { i := bytes.LastIndex(b, []byte{0xfa, 0xde, 0x0c, 0x01}); b[i+8] = 1; return b }, "requirements blob does not match"},
	{"requirements unbound", func(b []byte) []byte { i := bytes.LastIndex(b, []byte{0xfa, 0xde, 0x0c, 0x01}); b[i+11] = 1; return b }, "requirements blob does not match"},
	{"special slot zeroed", func(b []byte) []byte {
		off := cdOff(b) + int(be.Uint32(b[cdOff(b)+16:])) - 2*32
		copy(b[off:off+32], make([]byte, 32))
		return b
	}, "requirements blob is not bound"},
}

func TestMalformedExecutables(t *testing.T) {
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			data := m.edit(codesigntest.Synth(codesigntest.CPUARM64, 3*4096-50, nil))
			err := parseAndVerify(data)
			if err == nil {
				t.Fatal("accepted")
			}
			if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), m.wantErr) {
				t.Fatalf("error = %v (%v), want invalid containing %q", err, fault.KindOf(err), m.wantErr)
			}
		})
	}
}

func parse(data []byte) (*Executable, error) {
	return ParseExecutable(bytes.NewReader(data), int64(len(data)), DefaultLimits())
}

// parseAndVerify runs everything the fuzz target runs.
func parseAndVerify(data []byte) error {
	exe, err := parse(data)
	if err != nil {
		return err
	}
	if err := exe.Verify(context.Background(), nil); err != nil {
		return err
	}
	for _, s := range exe.Slices {
		if _, err := s.Signature.VerifyCMS(); err != nil {
			return err
		}
		if _, err := s.Signature.CheckFile(SlotInfoPlist, []byte("x")); err != nil {
			return err
		}
	}
	return nil
}

func TestMalformedFat(t *testing.T) {
	good := codesigntest.Fat(codesigntest.Synth(codesigntest.CPUARM64, 5000, nil), codesigntest.Synth(codesigntest.CPUX86_64, 5000, nil))
	tests := []mutation{
		{"zero archs", func(b []byte) []byte { return put32(b, 4, 0) }, "bad architecture count"},
		{"many archs", func(b []byte) []byte { return put32(b, 4, 1000) }, "bad architecture count"},
		{"slice outside", func(b []byte) []byte { return put32(b, 8+12, 1<<30) }, "lies outside the file"},
		{"slice in header", func(b []byte) []byte { return put32(b, 8+8, 0) }, "lies outside the file"},
		{"overlap", func(b []byte) []byte { return put32(b, 28+8, be.Uint32(b[16:])) }, "overlap"},
		{"duplicate arch", func(b []byte) []byte { return put32(b, 28, codesigntest.CPUARM64) }, "two slices for arm64"},
		{"header lies", func(b []byte) []byte { return put32(b, 8, codesigntest.CPUX86_64+1) }, "fat header says"},
	}
	for _, m := range tests {
		t.Run(m.name, func(t *testing.T) {
			err := parseAndVerify(m.edit(bytes.Clone(good)))
			if err == nil || fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), m.wantErr) {
				t.Fatalf("error = %v, want invalid containing %q", err, m.wantErr)
			}
		})
	}
}

func TestVerifyCancelled(t *testing.T) {
	exe, err := parse(codesigntest.Synth(codesigntest.CPUARM64, 9000, nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := exe.Verify(ctx, nil); fault.KindOf(err) != fault.Cancelled {
		t.Fatalf("Verify after cancel = %v, want cancelled", err)
	}
}

func TestCheckFile(t *testing.T) {
	sig, err := ParseSignature(codesigntest.Synth(codesigntest.CPUARM64, 100, nil)[100:], DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if bound, err := sig.CheckFile(SlotInfoPlist, nil); bound || err != nil {
		t.Fatalf("unbound slot: %v %v", bound, err)
	}
}

func TestPrimaryIsStrongest(t *testing.T) {
	sig := &Signature{CodeDirectories: []*CodeDirectory{{HashType: HashSHA1}, {HashType: HashSHA384}, {HashType: HashSHA256}}}
	if got := sig.Primary().HashType; got != HashSHA384 {
		t.Fatalf("primary hash type %d, want sha384", got)
	}
	sig.CodeDirectories = []*CodeDirectory{{HashType: HashSHA256Trunc}, {HashType: HashSHA1}}
	if got := sig.Primary().HashType; got != HashSHA256Trunc {
		t.Fatalf("primary hash type %d, want sha256-truncated", got)
	}
}

func TestEncryptedFlag(t *testing.T) {
	enc := make([]byte, 24) // encryption_info_command_64
	binary.LittleEndian.PutUint32(enc[0:], lcEncrypt64)
	binary.LittleEndian.PutUint32(enc[4:], 24)
	binary.LittleEndian.PutUint32(enc[16:], 1) // cryptid
	for cryptid, want := range map[uint32]bool{0: false, 1: true} {
		binary.LittleEndian.PutUint32(enc[16:], cryptid)
		exe, err := parse(codesigntest.Synth(codesigntest.CPUARM64, 5000, nil, enc))
		if err != nil {
			t.Fatal(err)
		}
		if got := exe.Slices[0].Encrypted; got != want {
			t.Errorf("cryptid %d: Encrypted = %v", cryptid, got)
		}
		if err := exe.Verify(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyDigestsWholeFile(t *testing.T) {
	data := codesigntest.Fat(codesigntest.Synth(codesigntest.CPUARM64, 9000, nil), codesigntest.Synth(codesigntest.CPUX86_64, 300, ents))
	exe, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := exe.Verify(context.Background(), &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("Verify wrote %d bytes, not the %d-byte file", got.Len(), len(data))
	}
}
