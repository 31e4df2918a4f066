// Package secret implements `approov secret`: reading, rotating and naming
// (kid) the account's HS256 token secret. Admin only. The secret reaches
// output only through `secret get`.
package secret

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdSecret builds the `approov secret` group.
func NewCmdSecret(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret <command>",
		Short: "Read, rotate and name the account's token secret",
		Long: `The account's HS256 secret signs every Approov token; API backends verify tokens
with it. Read it to configure a backend, rotate it if it leaked, set the kid
header tokens carry. Admin only; every read and change is in the audit log.`,
		Example: `  $ approov secret get --plain
  $ approov secret rotate
  $ approov secret set-kid 0001`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdGet(f, nil), NewCmdRotate(f, nil), NewCmdSetKID(f, nil))
	return cmd
}
