// Package device implements `approov device add|list|remove`: overrides of
// one app installation (force-pass, force-fail, pentest). The service keeps
// installation ids only as a keyed hash: listings show its short form.
package device

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdDevice builds the `approov device` group.
func NewCmdDevice(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "device <command>",
		Short: "Override the attestation of one app installation",
		Long: `Overrides for one installation of an app, named by its installation id (the
did claim of its tokens, shown by approov token check) or "latest", the
installation that attested last. force-pass: always valid tokens, even on an
emulator or with a development build that is not registered; force-fail:
never; pentest (admin only, with an expiry of at most 7 days): passes and gets
the SDK configuration with pinning disabled, so a security assessment can
inspect the app's traffic without a backdoor in the app.`,
		Example: `  $ approov device add latest --force-pass
  $ approov device add Xq3...vE --pentest --expires 2d
  $ approov device list
  $ approov device remove 3f9a1c0be2d4`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdList(f, nil), NewCmdRemove(f, nil))
	return cmd
}

// deviceFields are the --json fields of an override.
var deviceFields = []string{"id", "mode", "added_by", "added_at", "expires_at", "expired"}
