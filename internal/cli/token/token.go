// Package token implements `approov token`: example Approov tokens for
// testing an API backend, and checking a token claim by claim. The service
// signs and checks with the account secret, so a dev never holds it.
package token

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdToken builds the `approov token` group.
func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token <command>",
		Short: "Make example Approov tokens and check tokens",
		Long: `Make example Approov tokens (HS256 JWTs signed with the account secret) to test
an API backend's token check, and check a token: algorithm, signature, expiry
and binding, with every claim explained. See docs/tokens.md.`,
		Example: `  $ approov token example api.example.com
  $ approov token check "$TOKEN" --bind "Bearer abc"`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdExample(f, nil), NewCmdCheck(f, nil))
	return cmd
}
