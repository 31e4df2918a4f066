package root_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/cli/root"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
)

// leaves returns every runnable command of the tree.
func leaves(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, sub := range c.Commands() {
		out = append(out, leaves(sub)...)
	}
	if c.Runnable() && c.HasParent() {
		out = append(out, c)
	}
	return out
}

// opName is the service's name for a command: "approov users add" → "users.add".
func opName(c *cobra.Command) service.Op {
	path := strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
	return service.Op(strings.ReplaceAll(path, " ", "."))
}

// TestRoleMatrix runs every command of the tree in every role through the
// real root role gate, and checks the outcome against the service's own
// authorization table: the CLI's early check and the authority agree.
func TestRoleMatrix(t *testing.T) {
	probe, _ := clitest.Factory(clitest.Config{})
	tree := root.NewCmdRoot(probe)
	for _, leaf := range leaves(tree) {
		op := opName(leaf)
		roles, needsRole, known := service.Roles(op)
		_, cliNeedsRole, declared := cmdutil.DeclaredRoles(leaf)
		if !declared {
			t.Errorf("%s declares no roles", leaf.CommandPath())
			continue
		}
		if !known && cliNeedsRole {
			t.Errorf("%s needs a role but the service has no rule for %q", leaf.CommandPath(), op)
			continue
		}
		for _, r := range role.All {
			want := !needsRole || contains(roles, r)
			t.Run(string(op)+"/"+string(r), func(t *testing.T) {
				if known && (service.Authorize(op, r) == nil) != want {
					t.Fatalf("service.Authorize disagrees with service.Roles for %s", op)
				}
				checkGate(t, leaf.CommandPath(), r, want)
			})
		}
	}
}

// checkGate runs the command (its body replaced by a recorder) as role r.
func checkGate(t *testing.T, path string, r role.Role, wantAllowed bool) {
	t.Helper()
	f, _ := clitest.Factory(clitest.Config{Role: r})
	cmd := root.NewCmdRoot(f)
	args := strings.Fields(path)[1:]
	target, _, err := cmd.Find(args)
	if err != nil {
		t.Fatal(err)
	}
	ran := false
	target.Args = cobra.ArbitraryArgs
	target.RunE = func(*cobra.Command, []string) error { ran = true; return nil }
	target.Run = nil
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(context.Background())
	switch {
	case wantAllowed && (err != nil || !ran):
		t.Errorf("%s as %s: want allowed, got ran=%v err=%v", path, r, ran, err)
	case !wantAllowed && (ran || fault.KindOf(err) != fault.Permission):
		t.Errorf("%s as %s: want exit 5 (permission), got ran=%v err=%v (kind %v)", path, r, ran, err, fault.KindOf(err))
	}
}

func contains(rs []role.Role, r role.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
