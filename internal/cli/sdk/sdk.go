// Package sdk implements `approov sdk`: print the account's signed SDK
// configuration and its public key, and verify a configuration locally.
package sdk

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdSDK builds the `approov sdk` command group.
func NewCmdSDK(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sdk <command>",
		Short: "Print, fetch and verify the signed SDK configuration",
		Long: `Every accepted pin push makes a new SDK configuration: an ES256 JWT signed by
the account's P-256 configuration key, carrying the account, the version and
the API domains with their pins. Apps embed the public key and accept only
configurations it verifies, never older than the one they hold
(docs/sdk-config.md).`,
		Example: `  $ approov sdk config -o config.jwt
  $ approov sdk config --public-key > config-key.pem
  $ approov sdk verify config.jwt --public-key config-key.pem --min-version 3
  $ approov sdk fetch https://approov.example.com/v1/accounts/acme/sdk-config --public-key config-key.pem`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdConfig(f, nil), NewCmdVerify(f, nil), NewCmdFetch(f, nil))
	return cmd
}
