package root

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

func testFactory(active role.Role) *cmdutil.Factory {
	f, _ := clitest.Factory(clitest.Config{Role: active})
	return f
}

// walk visits every command of the tree.
func walk(cmd *cobra.Command, visit func(*cobra.Command)) {
	visit(cmd)
	for _, c := range cmd.Commands() {
		walk(c, visit)
	}
}

// TestEveryRunnableCommandDeclaresRoles is the guard behind the role gate: a
// command that declares nothing would be refused at run time, so it must not
// get into the tree.
func TestEveryRunnableCommandDeclaresRoles(t *testing.T) {
	count := 0
	walk(NewCmdRoot(testFactory("")), func(c *cobra.Command) {
		if !c.Runnable() || isCobraBuiltin(c) {
			return
		}
		count++
		roles, needsRole, declared := cmdutil.DeclaredRoles(c)
		if !declared {
			t.Errorf("%q declares no roles: call cmdutil.RequireRoles or cmdutil.NoRoleNeeded", c.CommandPath())
		}
		if needsRole && len(roles) == 0 {
			t.Errorf("%q requires an empty role list", c.CommandPath())
		}
		for _, r := range roles {
			if _, err := role.Parse(string(r)); err != nil {
				t.Errorf("%q: %v", c.CommandPath(), err)
			}
		}
	})
	if count < 2 {
		t.Fatalf("walked only %d runnable commands", count)
	}
}

func TestEveryCommandHasHelpAndExamples(t *testing.T) {
	walk(NewCmdRoot(testFactory("")), func(c *cobra.Command) {
		if !c.Runnable() || isCobraBuiltin(c) || !c.HasParent() {
			return
		}
		if c.Short == "" || c.Example == "" {
			t.Errorf("%q needs Short and Example", c.CommandPath())
		}
		for _, line := range strings.Split(c.Example, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "$ approov") {
				t.Errorf("%q: example line %q must start with \"$ approov\"", c.CommandPath(), line)
			}
		}
	})
}

// gated adds a command needing admin or dev to a fresh root and runs it.
func runGated(t *testing.T, active role.Role, declare func(*cobra.Command)) (ran bool, err error) {
	t.Helper()
	root := NewCmdRoot(testFactory(active))
	c := &cobra.Command{Use: "gated", RunE: func(*cobra.Command, []string) error { ran = true; return nil }}
	if declare != nil {
		declare(c)
	}
	root.AddCommand(c)
	root.SetArgs([]string{"gated"})
	err = root.Execute()
	return ran, err
}

func TestRoleGate(t *testing.T) {
	adminOrDev := func(c *cobra.Command) { cmdutil.RequireRoles(c, role.Admin, role.Dev) }
	tests := []struct {
		name     string
		active   role.Role
		declare  func(*cobra.Command)
		wantRun  bool
		wantKind fault.Kind
	}{
		{"allowed role", role.Dev, adminOrDev, true, 0},
		{"other role refused", role.Delegate, adminOrDev, false, fault.Permission},
		{"no session", "", adminOrDev, false, fault.Auth},
		{"no role needed", "", cmdutil.NoRoleNeeded, true, 0},
		{"undeclared fails closed", role.Admin, nil, false, fault.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran, err := runGated(t, tt.active, tt.declare)
			if ran != tt.wantRun {
				t.Errorf("ran = %v, want %v (err %v)", ran, tt.wantRun, err)
			}
			if !tt.wantRun && (err == nil || fault.KindOf(err) != tt.wantKind) {
				t.Errorf("err = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
			}
		})
	}
}

func TestPermissionErrorNamesRolesAndHints(t *testing.T) {
	_, err := runGated(t, role.Delegate, func(c *cobra.Command) { cmdutil.RequireRoles(c, role.Admin) })
	if err == nil || !strings.Contains(err.Error(), "the delegate role cannot run `approov gated` (allowed: admin)") {
		t.Fatalf("err = %v", err)
	}
	if hint := fault.HintOf(err); !strings.Contains(hint, "approov role admin") {
		t.Errorf("hint = %q", hint)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Error("not a fault.Error")
	}
}

func TestHelpTopics(t *testing.T) {
	for topic, want := range map[string]string{"exit-codes": "130  cancelled", "environment": "NO_COLOR"} {
		root := NewCmdRoot(testFactory(""))
		var out strings.Builder
		root.SetOut(&out)
		root.SetArgs([]string{"help", topic})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("help %s: %q lacks %q", topic, out.String(), want)
		}
	}
}

func TestEnvironmentHelpMarksSecrets(t *testing.T) {
	for _, v := range cmdutil.EnvironmentVariables() {
		if v.Name == "" || v.Description == "" {
			t.Errorf("incomplete entry %+v", v)
		}
		if v.Sensitive && !strings.Contains(environmentHelp(), v.Name+" (secret)") {
			t.Errorf("%s not marked secret", v.Name)
		}
	}
}
