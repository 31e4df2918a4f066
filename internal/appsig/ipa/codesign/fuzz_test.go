package codesign

import (
	"testing"

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
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := parseAndVerify(data); err != nil && fault.KindOf(err) != fault.Invalid {
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
		sig, err := ParseSignature(data, DefaultLimits())
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		for _, cd := range sig.CodeDirectories {
			_ = cd.CDHash()
			_ = sig.verifyEmbeddedSlots(cd)
		}
		if _, err := sig.VerifyCMS(); err != nil && fault.KindOf(err) != fault.Invalid {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
