package measure

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/iostreams"
)

func TestProgressOnlyForLargeFilesOnATerminal(t *testing.T) {
	dir := t.TempDir()
	large := filepath.Join(dir, "large.apk")
	f, err := os.Create(large)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(progressThreshold) // sparse: no disk used
	f.Close()
	small := filepath.Join(dir, "small.aab")
	if err := os.WriteFile(small, []byte("PK"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		tty  bool
		want bool
	}{
		{large, true, true},
		{large, false, false},
		{small, true, false},
	}
	for _, tt := range tests {
		ios, _, _, errOut := iostreams.Test()
		ios.SetStderrTTY(tt.tty)
		p := newProgress(ios, tt.path)
		p.update(progressThreshold/2, progressThreshold)
		p.finish()
		if (p.bar != nil) != tt.want {
			t.Errorf("%s tty=%v: bar %v, want %v", filepath.Base(tt.path), tt.tty, p.bar != nil, tt.want)
		}
		if !tt.want && errOut.Len() != 0 {
			t.Errorf("%s tty=%v: wrote %q to stderr", filepath.Base(tt.path), tt.tty, errOut.String())
		}
		if tt.want && !strings.Contains(errOut.String(), "large.apk") {
			t.Errorf("bar output %q lacks the file name", errOut.String())
		}
	}
}
