// Package audit implements `approov audit`: the account's audit log, every
// change and every failed or denied authentication, filtered by the service.
package audit

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdAudit builds the `approov audit` group.
func NewCmdAudit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit <command>",
		Short: "Read the account's audit log",
		Long: `Read the account's audit log: who did what, with which role, when, what
changed and the versions before and after. Admin only.`,
		Example: `  $ approov audit list --since 24h
  $ approov audit list --user alice@example.com --operation pin.push`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdList(f, nil))
	return cmd
}
