// Package identity implements the commands about who you are on an account:
// `init` (redeem an onboarding code), `role` (choose and open a role),
// `whoami`, `logout` and `password`. They are top-level commands, as in the
// tool approov is modelled on.
package identity

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmds returns the identity commands for the root command.
func NewCmds(f *cmdutil.Factory) []*cobra.Command {
	return []*cobra.Command{
		NewCmdInit(f, nil),
		NewCmdRole(f, nil),
		NewCmdWhoami(f, nil),
		NewCmdLogout(f, nil),
		NewCmdPassword(f, nil),
	}
}
