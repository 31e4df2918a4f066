package identity

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/prompter/promptertest"
	"github.com/approov-cli/approov/internal/session/login"
)

func testFactory() *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{IOStreams: ios, Now: time.Now, Auth: func() *login.Manager { return nil },
		Prompter: func() prompter.Prompter { return &promptertest.Scripted{} }}
}

func TestExportLine(t *testing.T) {
	tests := []struct{ shell, value, want string }{
		{"sh", "admin:demo", "export APPROOV_ROLE=admin:demo"},
		{"sh", "admin:it's", `export APPROOV_ROLE='admin:it'\''s'`},
		{"fish", "dev:demo", "set -gx APPROOV_ROLE dev:demo"},
		{"powershell", "dev:o'k", "$env:APPROOV_ROLE = 'dev:o''k'"},
		{"cmd", "dev:demo", "set APPROOV_ROLE=dev:demo"},
	}
	for _, tt := range tests {
		if got := exportLine(tt.shell, tt.value); got != tt.want {
			t.Errorf("exportLine(%s, %q) = %q, want %q", tt.shell, tt.value, got, tt.want)
		}
	}
}

func TestDetectShell(t *testing.T) {
	for shell, want := range map[string]string{"/bin/bash": "sh", "/usr/bin/zsh": "sh", "/usr/bin/fish": "fish", "/opt/pwsh": "powershell", "": "sh"} {
		got := detectShell(func(string) string { return shell })
		if shell == "" && got == "powershell" {
			continue // Windows default
		}
		if got != want {
			t.Errorf("detectShell(%q) = %q, want %q", shell, got, want)
		}
	}
	if _, err := checkShell("tcsh"); fault.KindOf(err) != fault.Usage {
		t.Errorf("tcsh accepted: %v", err)
	}
}

func TestNewCmdInitFlags(t *testing.T) {
	tests := []struct {
		args string
		err  string
	}{
		{args: "code.txt"},
		{args: "code.txt --automation --out ci.token"},
		{args: "code.txt --automation", err: "--automation needs --out"},
		{args: "- --password-stdin", err: "cannot both come from stdin"},
		{args: "code.txt --storage cloud", err: "unknown storage"},
		{args: "", err: "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *InitOptions
			cmd := NewCmdInit(testFactory(), func(o *InitOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got.Source != "code.txt" {
				t.Fatalf("err %v, opts %+v", err, got)
			}
		})
	}
}

func TestReadCodeRejectsTyposLocally(t *testing.T) {
	if _, err := readCode(strings.NewReader(""), "aoc_AAAAAAAAAAAAA.notachecksum"); fault.KindOf(err) != fault.Invalid {
		t.Errorf("typo: %v", err)
	}
	if _, err := readCode(strings.NewReader(""), "/no/such/file"); fault.KindOf(err) != fault.Invalid {
		t.Errorf("missing file: %v", err)
	}
	if _, err := readCode(strings.NewReader("garbage"), "-"); fault.KindOf(err) != fault.Invalid {
		t.Errorf("stdin garbage: %v", err)
	}
}

func TestReadCodeSources(t *testing.T) {
	code, err := auth.NewCode("demo", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "code.txt")
	os.WriteFile(file, []byte("\n  "+code.String()+"\r\n"), 0o600)
	for name, read := range map[string]func() (auth.Code, error){
		"argument": func() (auth.Code, error) { return readCode(strings.NewReader(""), code.String()) },
		"stdin":    func() (auth.Code, error) { return readCode(strings.NewReader(code.String()+"\n"), "-") },
		"file":     func() (auth.Code, error) { return readCode(strings.NewReader(""), file) },
	} {
		got, err := read()
		if err != nil || got.ID != code.ID || got.Account != "demo" {
			t.Errorf("%s: %+v, %v", name, got, err)
		}
	}
}

// Codes are case-insensitive, so an upper-cased code is a code, not a file
// name; and an argument that is neither must not be echoed when it holds a
// code (with a stray prefix): the message would carry its secret.
func TestReadCodeNeverEchoesASecret(t *testing.T) {
	code, err := auth.NewCode("demo", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readCode(strings.NewReader(""), strings.ToUpper(code.String())); err != nil || got.ID != code.ID {
		t.Errorf("upper-case code: %+v, %v", got, err)
	}
	_, secret, _ := strings.Cut(code.String(), ".")
	for _, arg := range []string{"code=" + code.String(), "'" + strings.ToUpper(code.String())} {
		_, err := readCode(strings.NewReader(""), arg)
		if err == nil || strings.Contains(strings.ToLower(err.Error()), secret[:8]) {
			t.Errorf("readCode(%.12s…) = %v: echoes the code's secret", arg, err)
		}
	}
}

// A code without its prefix, or a management token, given to init is never
// opened as a path and printed (issue 8, defect 1); the error says what it
// looked like.
func TestReadCodeNeverEchoesOtherSecrets(t *testing.T) {
	code, err := auth.NewCode("demo", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.NewManagementToken("demo", "ci@example.com", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	bare, _ := strings.CutPrefix(code.String(), auth.CodePrefix)
	_, secret, _ := strings.Cut(bare, ".")
	tokBody, _ := strings.CutPrefix(tok.String(), auth.TokenPrefix)
	for arg, want := range map[string]string{
		bare:         "onboarding code without its aoc_ prefix",
		tok.String(): "management token (aom_…), not an onboarding code",
		tokBody:      "management token without its aom_ prefix",
		secret:       "a secret",
	} {
		_, err := readCode(strings.NewReader(""), arg)
		msg := strings.ToLower(fmt.Sprint(err, fault.HintOf(err)))
		if err == nil || strings.Contains(msg, secret[:8]) || strings.Contains(msg, tokBody[:8]) || !strings.Contains(msg, want) {
			t.Errorf("readCode(%.8s…) = %v: echoes a secret or does not say %q", arg, err, want)
		}
	}
}

// errAfter returns its text, then an error instead of EOF: a terminal that
// stays open after the pasted line.
type errAfter struct{ r io.Reader }

func (e errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errors.New("still open")
	}
	return n, err
}

// "init -" is the documented form, so a pasted code ends with Enter: the
// first line is the code, no EOF needed.
func TestReadCodeFromStdinTakesOneLine(t *testing.T) {
	code, err := auth.NewCode("demo", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readCode(errAfter{strings.NewReader(code.String() + "\nmore")}, "-")
	if err != nil || got.ID != code.ID {
		t.Fatalf("readCode(-) = %+v, %v", got, err)
	}
}
