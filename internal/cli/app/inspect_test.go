package app

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
)

const fixtures = "../../../testdata/apps/android"

func fixture(name string) string { return filepath.Join(fixtures, name) }

func TestNewCmdInspectFlags(t *testing.T) {
	tests := []struct {
		args       []string
		files      int
		unverified bool
		json       bool
		wantErr    string
	}{
		{args: []string{"a.apk"}, files: 1},
		{args: []string{"a.apk", "b.aab", "--unverified"}, files: 2, unverified: true},
		{args: []string{"a.apk", "--json"}, files: 1, json: true},
		{args: []string{"a.apk", "--json=apk,file_sha256"}, files: 1, json: true},
		{args: []string{"a.apk", "--json=nope"}, wantErr: `unknown JSON field "nope"`},
		{args: []string{}, wantErr: "requires at least 1 arg"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(clitest.Config{})
			var got *InspectOptions
			err := clitest.Execute(NewCmdInspect(f, func(o *InspectOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Files) != tt.files || got.Unverified != tt.unverified || got.JSON.Enabled() != tt.json {
				t.Errorf("options = %+v", got)
			}
		})
	}
}

func run(t *testing.T, tty bool, args ...string) (string, string, error) {
	t.Helper()
	f, s := clitest.Factory(clitest.Config{TTY: tty})
	err := clitest.Execute(NewCmdInspect(f, nil), args...)
	return s.Out.String(), s.ErrOut.String(), err
}

func TestRunInspectSummary(t *testing.T) {
	for _, tty := range []bool{false, true} {
		out, _, err := run(t, tty, fixture("rotated.apk"), fixture("bundle.aab"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"rotated.apk", "verified APK", "Signer v3", "Lineage 2", "CHUNKED_SHA256", "bundle.aab", "Upload key", "Entries SHA-256"} {
			if !strings.Contains(out, want) {
				t.Errorf("tty=%v: output lacks %q:\n%s", tty, want, out)
			}
		}
		if strings.Contains(out, "\x1b[") {
			t.Errorf("tty=%v: ANSI escapes without colour enabled", tty)
		}
	}
}

func TestRunInspectJSON(t *testing.T) {
	out, _, err := run(t, false, fixture("v2-only.apk"), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rec appsig.Record
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !rec.Verified || rec.Format != "apk" || rec.APK == nil || rec.SchemaVersion != appsig.SchemaVersion {
		t.Errorf("record %+v", rec)
	}
	out, _, err = run(t, false, fixture("v2-only.apk"), fixture("bundle.aab"), "--json=format")
	if err != nil || strings.TrimSpace(out) != "[\n  {\n    \"format\": \"apk\"\n  },\n  {\n    \"format\": \"aab\"\n  }\n]" {
		t.Errorf("array output %q, %v", out, err)
	}
}

func TestRunInspectFailure(t *testing.T) {
	out, _, err := run(t, false, fixture("tampered.apk"))
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "tampered.apk: signature does not verify") {
		t.Fatalf("err = %v", err)
	}
	if out != "" {
		t.Errorf("printed a measurement of a failed file without --unverified:\n%s", out)
	}
	out, _, err = run(t, false, fixture("tampered.apk"), "--unverified")
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(out, "UNVERIFIED") || !strings.Contains(out, "do not register") {
		t.Errorf("--unverified: err %v, out:\n%s", err, out)
	}
	out, _, err = run(t, false, fixture("tampered.apk"), "--unverified", "--json=verified")
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(out, `"verified": false`) {
		t.Errorf("--unverified --json: err %v, out %s", err, out)
	}
}

func TestRunInspectSeveralFailures(t *testing.T) {
	out, errOut, err := run(t, false, fixture("v2-only.apk"), fixture("stripped.apk"), fixture("unsigned.apk"))
	if fault.KindOf(err) != fault.Invalid || err.Error() != "2 of 3 files failed verification" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(errOut, "stripped.apk: ") || !strings.Contains(errOut, "unsigned.apk: ") || !strings.Contains(out, "v2-only.apk") {
		t.Errorf("stderr:\n%s\nstdout:\n%s", errOut, out)
	}
	if _, _, err := run(t, false, filepath.Join(t.TempDir(), "missing.apk")); fault.KindOf(err) != fault.Invalid {
		t.Errorf("missing file: %v", err)
	}
}

func TestRunInspectIPA(t *testing.T) {
	out, _, err := run(t, false, filepath.Join("../../../testdata/apps/ios", "fat.ipa"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"verified IPA", "Team ID", "cdhash arm64", "cdhash x86_64"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
