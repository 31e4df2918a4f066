package users

import (
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/prompter/promptertest"
	"github.com/approov-cli/approov/internal/role"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func factory(p prompter.Prompter) (*cmdutil.Factory, *iostreams.IOStreams) {
	f, s := clitest.Factory(clitest.Config{Now: now, Prompter: p})
	return f, s.IO
}

func TestNewCmdAdd(t *testing.T) {
	tests := []struct {
		args    string
		roles   []role.Role
		expires time.Time
		err     string
	}{
		{args: "a@example.com --role dev", roles: []role.Role{role.Dev}},
		{args: "a@example.com --role admin,DEV,admin --expires 30d", roles: []role.Role{role.Admin, role.Dev}, expires: now.Add(30 * 24 * time.Hour)},
		{args: "a@example.com --role automation --expires 2w", roles: []role.Role{role.Automation}, expires: now.Add(14 * 24 * time.Hour)},
		{args: "a@example.com --role dev --expires 36h", roles: []role.Role{role.Dev}, expires: now.Add(36 * time.Hour)},
		{args: "a@example.com --role dev --expires 2027-01-31T00:00:00Z", roles: []role.Role{role.Dev}, expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)},
		{args: "a@example.com", err: "--role is required"},
		{args: "a@example.com --role root", err: "unknown role"},
		{args: "a@example.com --role dev --expires 2020-01-01", err: "in the past"},
		{args: "a@example.com --role dev --expires soon", err: "want a duration"},
		{args: "a@example.com --role dev --expires -3d", err: "want a duration"},
		{args: "a@example.com --role dev --expires 99999d", err: "want a duration"},
		{args: "--role dev", err: "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			f, _ := factory(nil)
			var got *AddOptions
			cmd := NewCmdAdd(f, func(o *AddOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if strings.HasPrefix(tt.args, "a@") && fault.KindOf(err) != fault.Usage {
					t.Errorf("kind %v, want usage", fault.KindOf(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Email != "a@example.com" || len(got.Roles) != len(tt.roles) || !got.Expires.Equal(tt.expires) {
				t.Fatalf("options = %+v", got)
			}
			for i := range tt.roles {
				if got.Roles[i] != tt.roles[i] {
					t.Fatalf("roles = %v, want %v", got.Roles, tt.roles)
				}
			}
		})
	}
}

func TestRevokeNeedsConfirmation(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		yes      bool
		answers  []bool
		wantKind fault.Kind
		asked    int
	}{
		{name: "no terminal, no --yes", wantKind: fault.Usage},
		{name: "terminal, answered no", tty: true, answers: []bool{false}, wantKind: fault.Cancelled, asked: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &promptertest.Scripted{Confirms: tt.answers}
			f, ios := factory(p)
			ios.SetStdinTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			cmd := NewCmdRevoke(f, nil)
			cmd.SetArgs([]string{"a@example.com", "--role", "dev"})
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if fault.KindOf(err) != tt.wantKind || len(p.Asked) != tt.asked {
				t.Fatalf("err %v (kind %v), asked %q", err, fault.KindOf(err), p.Asked)
			}
			if tt.wantKind == fault.Usage && !strings.Contains(fault.HintOf(err), "--yes") {
				t.Errorf("hint %q lacks --yes", fault.HintOf(err))
			}
		})
	}
	f, _ := factory(nil)
	cmd := NewCmdRevoke(f, func(*RevokeOptions) error { return nil })
	cmd.SetArgs([]string{"a@example.com"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--role is required") {
		t.Errorf("revoke without --role: %v", err)
	}
}

func TestRemoveNoTerminalNeedsYes(t *testing.T) {
	f, _ := factory(nil)
	cmd := NewCmdRemove(f, nil)
	cmd.SetArgs([]string{"a@example.com"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); fault.KindOf(err) != fault.Usage {
		t.Fatalf("err %v, want usage (needs --yes)", err)
	}
}
