package identity

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

type whoamiBackend struct {
	backend.Backend
	calls int
}

func (w *whoamiBackend) WhoAmI(_ context.Context, c backend.Caller) (api.Identity, error) {
	w.calls++
	return api.Identity{Account: "demo", User: "owner@example.com", Role: role.Dev, Session: c.Session,
		SessionExpiresAt: time.Now().Add(time.Hour), Roles: []api.RoleGrant{{Role: role.Admin}, {Role: role.Dev}}}, nil
}

func runCmd(t *testing.T, tty bool, m *login.Manager, newCmd func(*cmdutil.Factory) interface {
	SetArgs([]string)
	ExecuteContext(context.Context) error
}, args ...string) (string, error) {
	t.Helper()
	f, s := clitest.Factory(clitest.Config{TTY: tty, Auth: m})
	cmd := newCmd(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return s.Out.String(), err
}

func TestRunWhoami(t *testing.T) {
	b := &whoamiBackend{}
	m := logintest.LiveManager(t, b, role.Dev)
	whoami := func(f *cmdutil.Factory) interface {
		SetArgs([]string)
		ExecuteContext(context.Context) error
	} {
		return NewCmdWhoami(f, nil)
	}
	out, err := runCmd(t, true, m, whoami)
	if err != nil || !strings.Contains(out, "role:     dev (chosen by last used)") || !strings.Contains(out, "key in:   a 0600 file") {
		t.Fatalf("whoami: %v\n%s", err, out)
	}
	out, err = runCmd(t, false, m, whoami, "--json")
	var w map[string]any
	if err != nil || json.Unmarshal([]byte(out), &w) != nil || w["role"] != "dev" || w["role_from"] != "last used" {
		t.Fatalf("whoami --json: %v %s", err, out)
	}
	if b.calls != 2 {
		t.Errorf("service asked %d times, want 2", b.calls)
	}
}

func TestRunRoleList(t *testing.T) {
	m := logintest.LiveManager(t, nil, role.Admin)
	list := func(f *cmdutil.Factory) interface {
		SetArgs([]string)
		ExecuteContext(context.Context) error
	} {
		return NewCmdRole(f, nil)
	}
	out, err := runCmd(t, false, m, list)
	if err != nil || !strings.HasPrefix(out, "demo\tadmin\towner@example.com\t") || !strings.HasSuffix(out, "\tnever\t*\n") {
		t.Fatalf("role (piped): %v %q", err, out)
	}
	out, err = runCmd(t, true, m, list)
	if err != nil || !strings.Contains(out, "ACCOUNT") || !strings.Contains(out, "left") {
		t.Fatalf("role (tty): %v\n%s", err, out)
	}
	// A live session is reused: no login, no prompt, just the line.
	out, err = runCmd(t, false, m, list, "admin", "--shell", "powershell")
	if err != nil || out != "$env:APPROOV_ROLE = 'admin:demo'\n" {
		t.Fatalf("role admin: %v %q", err, out)
	}
}
