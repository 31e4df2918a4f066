package ipa

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const fixtures = "../../../testdata/apps/ios/"

func inspectFile(t *testing.T, name string) (*Measurement, error) {
	t.Helper()
	f, err := os.Open(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	a, err := zipsafe.Open(f, st.Size(), zipsafe.DefaultLimits())
	if err != nil {
		return nil, err
	}
	return Inspect(context.Background(), a)
}

func TestInspectValid(t *testing.T) {
	for _, name := range []string{"adhoc", "cms", "fat", "sealed"} {
		t.Run(name, func(t *testing.T) {
			m, err := inspectFile(t, name+".ipa")
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			got, err := json.MarshalIndent(m, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join(fixtures, name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if string(want) != string(got)+"\n" {
				t.Errorf("measurement differs from %s:\n%s", golden, got)
			}
		})
	}
}

func TestInspectInvalid(t *testing.T) {
	tests := []struct {
		file    string
		wantErr string
		partial bool // a measurement comes back with the error
	}{
		{"bad-page.ipa", "code page 2 (offset 8192) does not match its sha1 hash", true},
		{"bad-infoplist.ipa", "Info.plist does not match its hash", true},
		{"bad-resource.ipa", "sealed resource asset.txt does not match its hash", true},
		{"bad-cms.ipa", "CMS signature does not verify over the CodeDirectory", true},
		{"no-profile.ipa", "no embedded.mobileprovision", true},
		{"team-mismatch.ipa", "team ID mismatch: signer certificate OU says TEAMID1234, provisioning profile says OTHERTEAM9", true},
		{"unsigned-slice.ipa", "slice x86_64 is not signed", false},
		{"two-apps.ipa", "archive holds 2 app bundles (Fixture.app, Other.app)", false},
		{"no-exe.ipa", `executable "Fixture" is missing`, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := inspectFile(t, tt.file)
			if err == nil {
				t.Fatal("Inspect succeeded, want an error")
			}
			if fault.KindOf(err) != fault.Invalid {
				t.Errorf("kind = %v, want invalid (%v)", fault.KindOf(err), err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if (m != nil) != tt.partial {
				t.Errorf("measurement returned = %v, want %v", m != nil, tt.partial)
			}
		})
	}
}

func TestInspectCancelled(t *testing.T) {
	f, err := os.Open(filepath.Join(fixtures, "sealed.ipa"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	a, err := zipsafe.Open(f, st.Size(), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, err := Inspect(ctx, a)
	if fault.KindOf(err) != fault.Cancelled || m != nil {
		t.Fatalf("Inspect after cancel = %v, %v; want nil, cancelled", m, err)
	}
}

func TestInspectLimits(t *testing.T) {
	f, err := os.Open(filepath.Join(fixtures, "fat.ipa"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	a, err := zipsafe.Open(f, st.Size(), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*Limits)
		want string
	}{
		{"executable size", func(l *Limits) { l.MaxExecutableSize = 1 << 20 }, "exceed the limit"},
		{"plist size", func(l *Limits) { l.MaxPlistSize = 100 }, "exceeds the limit"},
		{"slices", func(l *Limits) { l.CodeSign.MaxSlices = 1 }, "bad architecture count"},
		{"load commands", func(l *Limits) { l.CodeSign.MaxLoadCommands = 3 }, "too many or too large load commands"},
		{"blobs", func(l *Limits) { l.CodeSign.MaxBlobs = 2 }, "bad length (27317) or blob count (3)"},
		{"plist depth", func(l *Limits) { l.Plist.MaxDepth = 0 }, "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := DefaultLimits()
			tt.edit(&lim)
			_, err := InspectWith(context.Background(), a, lim)
			if err == nil || fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want invalid containing %q", err, tt.want)
			}
		})
	}
}
