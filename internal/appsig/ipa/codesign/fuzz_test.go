package codesign

import (
	"bytes"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/approov-cli/approov/internal/appsig/ipa/codesign/codesigntest"

	"github.com/approov-cli/approov/internal/fault"
)

// FuzzParseExecutable: any input parses and verifies to success or a typed
// error, never a panic. Seeds: synthetic thin/fat executables here, plus
// testdata/fuzz/FuzzParseExecutable.
func FuzzParseExecutable(f *testing.F) {
	f.Add(codesigntest.Synth(codesigntest.CPUARM64, 3*4096-50, nil))
	f.Add(codesigntest.Synth(codesigntest.CPUARM64, 200, ents))
	f.Add(codesigntest.Fat(codesigntest.Synth(codesigntest.CPUARM64, 300, nil), codesigntest.Synth(codesigntest.CPUX86_64, 5000, ents)))
	f.Add(relocClaim(1 << 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		var err error
		alloctest.Bound(t, len(data), 8, 1<<20, func() { err = parseAndVerify(data) })
		if err != nil && fault.KindOf(err) != fault.Invalid {
			t.Fatalf("untyped error: %v", err)
		}
	})
}

// FuzzParseSignature: a SuperBlob alone, including the CMS path. Seeds in
// testdata/fuzz/FuzzParseSignature are the real signatures of the Go linker
// (ad-hoc) and of the "sealed" fixture (two CDs, entitlements, CMS).
func FuzzParseSignature(f *testing.F) {
	f.Add(codesigntest.Synth(codesigntest.CPUARM64, 100, ents)[100:])
	f.Fuzz(func(t *testing.T, data []byte) {
		var sig *Signature
		var err error
		alloctest.Bound(t, len(data), 8, 64<<10, func() { sig, err = ParseSignature(data, DefaultLimits()) })
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if len(sig.CodeDirectories) == 0 || sig.CodeDirectories[0].Slot != SlotCodeDirectory || sig.Primary() == nil {
			t.Fatal("accepted signature without a CodeDirectory in slot 0")
		}
		for _, cd := range sig.CodeDirectories {
			if !bytes.Equal(sig.Blobs[cd.Slot], cd.Raw) || len(cd.CDHash()) != cdHashLen {
				t.Fatalf("CodeDirectory in slot %d is not its blob", cd.Slot)
			}
			_ = sig.verifyEmbeddedSlots(cd)
		}
		if _, err := sig.VerifyCMS(); err != nil && fault.KindOf(err) != fault.Invalid {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
