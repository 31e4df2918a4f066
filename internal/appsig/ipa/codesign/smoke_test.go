package codesign

import (
	"archive/zip"
	"context"
	"encoding/hex"
	"io"
	"testing"
)

func TestSmoke(t *testing.T) {
	for _, name := range []string{"adhoc", "cms", "fat", "sealed", "bad-page", "bad-cms", "unsigned-slice"} {
		z, err := zip.OpenReader("../../../../testdata/apps/ios/" + name + ".ipa")
		if err != nil {
			t.Fatal(err)
		}
		f, _ := z.Open("Payload/Fixture.app/Fixture")
		data, _ := io.ReadAll(f)
		exe, err := ParseExecutable(data, DefaultLimits())
		if err != nil {
			t.Logf("%s: parse: %v", name, err)
			continue
		}
		for _, s := range exe.Slices {
			err := s.Verify(context.Background())
			t.Logf("%s %s verify: %v", name, s.CPU, err)
			if s.Signature == nil {
				continue
			}
			p := s.Signature.Primary()
			t.Logf("  primary %s %s %s team=%q flags=%x", p.HashName(), hex.EncodeToString(p.CDHashFull()), p.Identifier, p.TeamID, p.Flags)
			signer, err := s.Signature.VerifyCMS()
			if signer != nil {
				t.Logf("  cms: %v %v", signer.Leaf.Subject, err)
			} else {
				t.Logf("  cms: nil %v", err)
			}
		}
	}
}
