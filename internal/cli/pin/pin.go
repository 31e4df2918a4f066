// Package pin implements `approov pin`: extract pins from certificates and
// live endpoints, check a pin set against live endpoints, and export it in
// each client's native format.
package pin

import (
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdPin builds the `approov pin` command group.
func NewCmdPin(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pin <command>",
		Short: "Extract, check, export and stage TLS certificate pins",
		Long: `Work with SPKI pins: the base64 SHA-256 of a certificate's public key, the value
OkHttp writes as sha256/..., Android as <pin digest="SHA-256"> and iOS as
SPKI-SHA256-BASE64.

A pin set is a JSON file listing, per domain, its pins with a label (primary or
backup), the certificate position they belong to (leaf, intermediate, root) and
an optional expiry; its format is described in docs/pinset.md.

The account's pin configuration is versioned: pull it into a local staging
area, edit it (add, remove, rotate, retire, revert), check it (status, diff)
and push it; docs/pins.md tells the rotation story.`,
		Example: `  $ approov pin extract api.example.com
  $ approov pin check --file pins.json
  $ approov pin export --format android-nsc --file pins.json
  $ approov pin pull && approov pin rotate api.example.com --new-cert next.pem && approov pin push`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdExtract(f, nil))
	cmd.AddCommand(NewCmdCheck(f, nil))
	cmd.AddCommand(NewCmdExport(f, nil))
	cmd.AddCommand(NewCmdPull(f, nil), NewCmdStatus(f, nil), NewCmdAdd(f, nil), NewCmdRemove(f, nil),
		NewCmdDiff(f, nil), NewCmdPush(f, nil), NewCmdRebase(f, nil), NewCmdRotate(f, nil), NewCmdRetire(f, nil),
		NewCmdLog(f, nil), NewCmdShow(f, nil), NewCmdRevert(f, nil))
	return cmd
}
