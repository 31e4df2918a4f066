// Package secstrings implements `approov secstrings add|list|remove`:
// runtime secrets the service delivers only to apps that pass attestation.
// Admin only. Values are read from stdin and never printed, logged or put
// in --json output.
package secstrings

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdSecStrings builds the `approov secstrings` group.
func NewCmdSecStrings(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secstrings <command>",
		Short: "Manage runtime secrets delivered only to passing apps",
		Long: `Runtime secrets (at most 16 per account) are named values, such as a
third-party API key, that the service hands only to app installations that
pass attestation, so the app need not ship them. Values are read from stdin,
never from arguments, and never shown again.`,
		Example: `  $ approov secstrings add maps-key --value-stdin < maps-key.txt
  $ approov secstrings list
  $ approov secstrings remove maps-key`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdList(f, nil), NewCmdRemove(f, nil))
	return cmd
}

// secFields are the --json fields of a runtime secret (never its value).
var secFields = []string{"name", "set_by", "set_at"}
