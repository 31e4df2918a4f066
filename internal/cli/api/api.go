// Package api implements `approov api`: the account's API domains, each
// with its pins and options, added from its live verified chain and checked
// against it.
package api

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdAPI builds the `approov api` command group.
func NewCmdAPI(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api <command>",
		Short: "Manage the API domains apps protect with tokens and pins",
		Long: `An API domain is a host the apps call: the SDK adds an Approov token to its
requests and pins its connections. Adding one reads its live verified chain and
proposes the pin; every change is a new version of the pin configuration
(approov pin log) with a new signed SDK configuration.`,
		Example: `  $ approov api add api.example.com
  $ approov api list
  $ approov api check`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdList(f, nil), NewCmdRemove(f, nil), NewCmdCheck(f, nil))
	return cmd
}
