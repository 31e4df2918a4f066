package iostreams

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/creack/pty"
)

func TestColorWanted(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		tty  bool
		want bool
	}{
		{"tty", nil, true, true},
		{"piped", nil, false, false},
		{"NO_COLOR on tty", map[string]string{"NO_COLOR": "1"}, true, false},
		{"CLICOLOR=0 on tty", map[string]string{"CLICOLOR": "0"}, true, false},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, true, false},
		{"CLICOLOR_FORCE piped", map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"CLICOLOR_FORCE=0 piped", map[string]string{"CLICOLOR_FORCE": "0"}, false, false},
		{"NO_COLOR beats CLICOLOR_FORCE", map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			if got := colorWanted(getenv, tt.tty); got != tt.want {
				t.Errorf("colorWanted = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSystemHonoursNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	t.Setenv("CLICOLOR_FORCE", "1")
	if System().ColorEnabled() {
		t.Error("colour enabled despite NO_COLOR")
	}
}

func TestColorSchemeOff(t *testing.T) {
	ios, _, _, _ := Test()
	cs := ios.ColorScheme()
	if got := cs.Red("x") + cs.Bold("y") + cs.SuccessIcon(); got != "xyok" {
		t.Errorf("got %q, want plain text", got)
	}
	ios.SetColorEnabled(true)
	if got := ios.ColorScheme().Red("x"); got != "\x1b[31mx\x1b[0m" {
		t.Errorf("got %q", got)
	}
}

func TestCanPrompt(t *testing.T) {
	ios, _, _, _ := Test()
	if ios.CanPrompt() {
		t.Error("test streams must not prompt")
	}
	ios.SetStdinTTY(true)
	ios.SetStderrTTY(true)
	if !ios.CanPrompt() {
		t.Error("terminal streams should prompt")
	}
	ios.SetNeverPrompt(true)
	if ios.CanPrompt() {
		t.Error("APPROOV_NO_PROMPT must forbid prompts")
	}
}

// Each output stream decides its colour: with stdout redirected to a file,
// a terminal stderr still gets colour and the ✓ icon.
func TestStderrColourIsItsOwn(t *testing.T) {
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptm.Close()
	defer tty.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	noEnv := func(string) string { return "" }
	tests := []struct {
		name           string
		out, errOut    *os.File
		wantOut, wantE bool
	}{
		{"stdout redirected", file, tty, false, true},
		{"stderr redirected", tty, file, true, false},
		{"both terminals", tty, tty, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios := fromFiles(tty, tt.out, tt.errOut, noEnv)
			if ios.ColorEnabled() != tt.wantOut || ios.ErrColorEnabled() != tt.wantE {
				t.Fatalf("colour stdout %v stderr %v, want %v %v", ios.ColorEnabled(), ios.ErrColorEnabled(), tt.wantOut, tt.wantE)
			}
			if icon := ios.ErrColorScheme().SuccessIcon(); (icon == "ok") == tt.wantE {
				t.Errorf("stderr icon %q", icon)
			}
		})
	}
	if ios := fromFiles(tty, file, tty, func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }); ios.ErrColorEnabled() {
		t.Error("NO_COLOR must turn stderr colour off too")
	}
}

// Warnings carry paths and names from files and servers: escaped.
func TestWarnfEscapes(t *testing.T) {
	ios, _, _, errOut := Test()
	ios.Warnf("file %s is odd", "a\x1b[2K\rb\nc")
	if got, want := errOut.String(), "warning: file a\\x1b[2K\\rb\\nc is odd\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
