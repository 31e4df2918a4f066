// Package appsigncert implements `approov appsigncert`: trusting app-signing
// certificates, so that builds they sign count as registered
// (auto-registration). Only the certificate travels; keystores are opened
// locally and their keys never leave them.
package appsigncert

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdAppSignCert builds the `approov appsigncert` group.
func NewCmdAppSignCert(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "appsigncert <command>",
		Short: "Trust app-signing certificates for auto-registration",
		Long: `Add, list and remove the account's app-signing certificates. Builds signed by
a certificate added with --auto-register count as registered without a
registration of their own (the rule is in docs/app-measurements.md,
"Auto-registration").`,
		Example: `  $ approov appsigncert add release.pem --auto-register
  $ approov appsigncert add release.p12 --password-stdin < pass.txt
  $ approov appsigncert list`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdList(f, nil), NewCmdRemove(f, nil))
	return cmd
}

// certFields are the --json fields of a certificate.
var certFields = []string{"id", "sha256", "sha1", "name", "subject", "issuer", "not_after", "platform", "team_id",
	"development", "auto_register", "added_by", "added_at"}
