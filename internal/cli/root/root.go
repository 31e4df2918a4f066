// Package root builds the approov command tree and its role gate.
package root

import (
	"github.com/approov-cli/approov/internal/build"
	"github.com/approov-cli/approov/internal/cli/account"
	apicmd "github.com/approov-cli/approov/internal/cli/api"
	"github.com/approov-cli/approov/internal/cli/app"
	"github.com/approov-cli/approov/internal/cli/appsigncert"
	"github.com/approov-cli/approov/internal/cli/audit"
	"github.com/approov-cli/approov/internal/cli/completion"
	"github.com/approov-cli/approov/internal/cli/device"
	"github.com/approov-cli/approov/internal/cli/identity"
	"github.com/approov-cli/approov/internal/cli/metrics"
	"github.com/approov-cli/approov/internal/cli/monitoring"
	"github.com/approov-cli/approov/internal/cli/pin"
	"github.com/approov-cli/approov/internal/cli/policy"
	"github.com/approov-cli/approov/internal/cli/registration"
	"github.com/approov-cli/approov/internal/cli/sdk"
	"github.com/approov-cli/approov/internal/cli/secret"
	"github.com/approov-cli/approov/internal/cli/secstrings"
	"github.com/approov-cli/approov/internal/cli/token"
	"github.com/approov-cli/approov/internal/cli/users"
	"github.com/approov-cli/approov/internal/cli/version"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdRoot returns the root command with every command group attached.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "approov <command> <subcommand> [flags]",
		Short: "Administer a mobile-app attestation and dynamic pinning account",
		Long: `Administer an app-attestation and dynamic certificate-pinning account from the
command line: register app measurements, manage API domains and their TLS pins,
users and roles. Works on an embedded local backend with no set-up.`,
		Example: `  $ approov app inspect app-release.apk
  $ approov help exit-codes`,
		Version:       build.Current().Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			cmdutil.BindGlobalFlags(c, f)
			return checkRole(f, c)
		},
	}
	cmdutil.AddGlobalFlags(cmd, f)
	cmd.SetVersionTemplate("approov {{.Version}}\n")
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	cmdutil.NoRoleNeeded(cmd)

	// Command groups: one line each.
	cmd.AddCommand(version.NewCmdVersion(f, nil))
	cmd.AddCommand(completion.NewCmdCompletion(f, nil))
	cmd.AddCommand(app.NewCmdApp(f))
	cmd.AddCommand(account.NewCmdAccount(f))
	cmd.AddCommand(identity.NewCmds(f)...)
	cmd.AddCommand(users.NewCmdUsers(f))
	cmd.AddCommand(pin.NewCmdPin(f))
	cmd.AddCommand(registration.NewCmdRegistration(f))
	cmd.AddCommand(appsigncert.NewCmdAppSignCert(f))
	cmd.AddCommand(token.NewCmdToken(f))
	cmd.AddCommand(secret.NewCmdSecret(f))
	cmd.AddCommand(audit.NewCmdAudit(f))
	cmd.AddCommand(sdk.NewCmdSDK(f))
	cmd.AddCommand(apicmd.NewCmdAPI(f))
	cmd.AddCommand(monitoring.NewCmdMonitoring(f)) // continuous API monitoring (issue 13)
	// the token service (issue 14)
	cmd.AddCommand(policy.NewCmdPolicy(f))
	cmd.AddCommand(device.NewCmdDevice(f))
	cmd.AddCommand(secstrings.NewCmdSecStrings(f))
	cmd.AddCommand(metrics.NewCmdMetrics(f, nil)) // attestation metrics

	// Help topics: `approov help <topic>`.
	cmd.AddCommand(newHelpTopic("environment", "Environment variables approov reads", environmentHelp()))
	cmd.AddCommand(newHelpTopic("exit-codes", "Exit codes and what they mean", exitCodesHelp))
	refuseUnknownSubcommands(cmd)
	return cmd
}
