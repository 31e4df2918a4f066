package cmdutil

import (
	"strings"

	"github.com/approov-cli/approov/internal/role"
	"github.com/spf13/cobra"
)

// RolesAnnotation is the cobra annotation key that lists the roles allowed to
// run a command, comma-separated, or NoRole.
const RolesAnnotation = "approov/roles"

// NoRole marks a command that needs no account at all.
const NoRole = "none"

// RequireRoles declares which roles may run cmd. The root command checks it
// before the command runs; the service re-checks every operation.
func RequireRoles(cmd *cobra.Command, roles ...role.Role) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	setAnnotation(cmd, strings.Join(names, ","))
}

// NoRoleNeeded declares that cmd runs without an account.
func NoRoleNeeded(cmd *cobra.Command) { setAnnotation(cmd, NoRole) }

func setAnnotation(cmd *cobra.Command, value string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[RolesAnnotation] = value
}

// DeclaredRoles returns what cmd declares: needsRole is false for NoRole;
// declared is false when cmd declares nothing.
func DeclaredRoles(cmd *cobra.Command) (roles []role.Role, needsRole, declared bool) {
	v, ok := cmd.Annotations[RolesAnnotation]
	if !ok {
		return nil, false, false
	}
	if v == NoRole {
		return nil, false, true
	}
	for _, name := range strings.Split(v, ",") {
		roles = append(roles, role.Role(name))
	}
	return roles, true, true
}

// Allows reports whether r is among the roles cmd declares (true for NoRole).
func Allows(cmd *cobra.Command, r role.Role) bool {
	roles, needsRole, _ := DeclaredRoles(cmd)
	if !needsRole {
		return true
	}
	for _, allowed := range roles {
		if allowed == r {
			return true
		}
	}
	return false
}
