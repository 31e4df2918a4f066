package identity

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
)

func testFactory() *cmdutil.Factory {
	f, _ := clitest.Factory(clitest.Config{})
	return f
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
