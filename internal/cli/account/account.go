// Package account implements `approov account`: creating an account on the
// embedded local backend, the zero-set-up start.
package account

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdAccount builds the `approov account` group.
func NewCmdAccount(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "account <command>",
		Short:   "Create accounts",
		Example: `  $ approov account create --local --init`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdCreate(f, nil))
	return cmd
}
