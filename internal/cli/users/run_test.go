package users

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

// fakeBackend answers the calls the users commands make.
type fakeBackend struct {
	backend.Backend // nil: any other call panics, which fails the test
	users           []api.User
	added           []api.AddUserRequest
	callErr         error
	caller          backend.Caller
}

func (f *fakeBackend) ListUsers(_ context.Context, c backend.Caller) ([]api.User, error) {
	f.caller = c
	return f.users, f.callErr
}

func (f *fakeBackend) AddUser(_ context.Context, c backend.Caller, req api.AddUserRequest) (api.Invitation, error) {
	f.caller = c
	f.added = append(f.added, req)
	return api.Invitation{User: req.Email, Kind: api.CodeOnboarding, Roles: []api.RoleGrant{{Role: req.Roles[0]}},
		CodeID: "abc", Code: "aoc_abc.secret", ExpiresAt: now.Add(72 * time.Hour)}, f.callErr
}

func listCmd(t *testing.T, tty bool, b *fakeBackend, jsonFlag string) (string, string, error) {
	f, s := clitest.Factory(clitest.Config{TTY: tty, Now: now, Auth: logintest.LiveManager(t, b, role.Admin)})
	args := []string{}
	if jsonFlag != "" {
		args = append(args, jsonFlag)
	}
	err := clitest.Execute(NewCmdList(f, nil), args...)
	return s.Out.String(), s.ErrOut.String(), err
}

func TestRunList(t *testing.T) {
	exp := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	b := &fakeBackend{users: []api.User{
		{Email: "owner@example.com", Roles: []api.UserRole{{Role: role.Admin, State: api.RoleActive}}},
		{Email: "bob@example.com", Roles: []api.UserRole{{Role: role.Dev, State: api.RolePending, ExpiresAt: exp}}},
	}}
	out, _, err := listCmd(t, true, b, "")
	if err != nil || !strings.Contains(out, "EMAIL") || !strings.Contains(out, "bob@example.com") {
		t.Fatalf("TTY table: %v\n%s", err, out)
	}
	if b.caller.Session != "ses_test" || len(b.caller.Key) == 0 {
		t.Errorf("the call was not signed with the stored session: %+v", b.caller)
	}
	out, _, err = listCmd(t, false, b, "")
	want := "owner@example.com\tadmin\tactive\tnever\nbob@example.com\tdev\tpending\t2027-01-31T00:00:00Z\n"
	if err != nil || out != want {
		t.Fatalf("piped: %v\n%q\nwant\n%q", err, out, want)
	}
	out, _, err = listCmd(t, false, b, "--json=email")
	var got []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &got) != nil || len(got) != 2 || got[1]["email"] != "bob@example.com" || len(got[1]) != 1 {
		t.Fatalf("--json=email: %v %s", err, out)
	}
}

func TestRunListServiceDenies(t *testing.T) {
	b := &fakeBackend{callErr: fault.New(fault.Permission, "role dev may not run users.list")}
	if _, _, err := listCmd(t, false, b, ""); fault.KindOf(err) != fault.Permission {
		t.Fatalf("err = %v, want the service's permission error", err)
	}
}

func TestRunAddPrintsCodeOnStdout(t *testing.T) {
	for _, tty := range []bool{true, false} {
		b := &fakeBackend{}
		f, s := clitest.Factory(clitest.Config{TTY: tty, Now: now, Auth: logintest.LiveManager(t, b, role.Admin)})
		if err := clitest.Execute(NewCmdAdd(f, nil), "ci@example.com", "--role", "automation"); err != nil {
			t.Fatal(err)
		}
		out, errOut := s.Out.String(), s.ErrOut.String()
		if out != "aoc_abc.secret\n" || !strings.Contains(errOut, "--automation --out") {
			t.Errorf("tty=%v: stdout %q, stderr %q", tty, out, errOut)
		}
		// The expiry carries its zone, as users list shows it.
		if zone := now.Add(72 * time.Hour).Local().Format(" MST."); !strings.Contains(errOut, zone) {
			t.Errorf("tty=%v: stderr %q lacks the zone %q", tty, errOut, zone)
		}
		if len(b.added) != 1 || b.added[0].Roles[0] != role.Automation {
			t.Errorf("request %+v", b.added)
		}
	}
}
