package pin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/cli/pin"
	"github.com/approov-cli/approov/internal/fault"
)

func runExport(t *testing.T, s streams, args ...string) error {
	t.Helper()
	var got *pin.ExportOptions
	cmd := pin.NewCmdExport(factory(s), func(o *pin.ExportOptions) error { got = o; return nil })
	if err := parse(t, cmd, args...); err != nil {
		return err
	}
	return pin.RunExport(context.Background(), got)
}

func TestExportCommandGolden(t *testing.T) {
	files := map[string]string{"okhttp": "okhttp.kt", "android-nsc": "android-nsc.xml", "ios-ats": "ios-ats.plist", "trustkit": "trustkit.plist", "json": "json.json"}
	for format, golden := range files {
		t.Run(format, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(vectors, "export", golden))
			if err != nil {
				t.Fatal(err)
			}
			s := newStreams(false)
			if err := runExport(t, s, "--format", format, "--file", filepath.Join(vectors, "pinset.json")); err != nil {
				t.Fatal(err)
			}
			if s.Out.String() != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, s.Out)
			}
			if strings.Contains(s.Out.String(), "warning") {
				t.Error("warnings written to stdout")
			}
		})
	}
}

func TestExportFromStdinWithWarnings(t *testing.T) {
	s := newStreams(false)
	s.In.WriteString(`{"schema":1,"domains":[{"domain":"a.example","pins":[{"sha256":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}]}`)
	if err := runExport(t, s, "--format", "trustkit", "-f", "-"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"placeholder", "single pin", "TrustKit refuses to start"} {
		if !strings.Contains(s.ErrOut.String(), want) {
			t.Errorf("stderr %q lacks %q", s.ErrOut, want)
		}
	}
}

func TestExportErrors(t *testing.T) {
	set := filepath.Join(vectors, "pinset.json")
	bad := writeFile(t, "bad.json", []byte(`{"schema":1,"domains":[{"domain":"a.example","pins":[{"sha256":"sha1/2jmj7l5rSw0yVb/vlWAYkK/YBwk="}]}]}`))
	tests := []struct {
		args []string
		kind fault.Kind
		want string
	}{
		{[]string{"--file", set}, fault.Usage, "--format is required"},
		{[]string{"--format", "yaml", "--file", set}, fault.Usage, "unknown --format"},
		{[]string{"--format", "okhttp"}, fault.Usage, "no pin set"},
		{[]string{"--format", "okhttp", "--file", "missing.json"}, fault.Invalid, "missing.json"},
		{[]string{"--format", "okhttp", "--file", bad}, fault.Invalid, "SHA-1"},
	}
	for _, tt := range tests {
		err := runExport(t, newStreams(false), tt.args...)
		if fault.KindOf(err) != tt.kind || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v (kind %v), want %v %q", tt.args, err, fault.KindOf(err), tt.kind, tt.want)
		}
	}
}
