// Package app implements `approov app`: commands about app packages.
package app

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdApp builds the `approov app` command group.
func NewCmdApp(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app <command>",
		Short: "Measure app packages (.apk, .aab, .ipa)",
		Long: `Measure app packages. Registering a build sends the service a measurement
of the app (signer certificates, content digests, package and version), never
the app itself.`,
		Example: `  $ approov app inspect app-release.apk
  $ approov app inspect --json app.aab App.ipa`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdInspect(f, nil))
	return cmd
}
