package root

import (
	"strings"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/spf13/cobra"
)

// checkRole is the one place where the CLI checks a command's declared roles
// against the active role. It fails early with a friendly message; the
// service still makes the final decision on every operation.
func checkRole(f *cmdutil.Factory, cmd *cobra.Command) error {
	if isCobraBuiltin(cmd) {
		return nil
	}
	roles, needsRole, declared := cmdutil.DeclaredRoles(cmd)
	if !declared {
		// Fail closed: a command that forgot its declaration must not run.
		return fault.New(fault.Internal, "command %q declares no roles", cmd.CommandPath())
	}
	if !needsRole {
		return nil
	}
	active, err := f.ActiveRole()
	if err != nil {
		return err
	}
	if !cmdutil.Allows(cmd, active) {
		return permissionDenied(cmd, active, roles)
	}
	return nil
}

// isCobraBuiltin reports cobra's own help and completion-request commands.
func isCobraBuiltin(cmd *cobra.Command) bool {
	switch cmd.Name() {
	case "help", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return cmd.HasParent() && !cmd.Parent().HasParent()
	}
	return false
}

func permissionDenied(cmd *cobra.Command, active role.Role, allowed []role.Role) error {
	names := make([]string, len(allowed))
	for i, r := range allowed {
		names[i] = string(r)
	}
	err := fault.New(fault.Permission, "the %s role cannot run `%s` (allowed: %s)",
		active, cmd.CommandPath(), strings.Join(names, ", "))
	return fault.WithHint(err, "eval \"$(approov role "+names[0]+")\"")
}
