package appsigncert

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

// ListOptions holds what `approov appsigncert list` needs.
type ListOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
}

// NewCmdList builds `approov appsigncert list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List trusted app-signing certificates",
		Long: `List the account's app-signing certificates: id, name, platform, expiry and
whether builds they sign count as registered (auto-register).`,
		Example: `  $ approov appsigncert list
  $ approov appsigncert list --json --jq '.[] | select(.auto_register) | .sha256'`,
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runList(c.Context(), opts)
		},
	}
	opts.JSON = cmdutil.AddJSONFlags(cmd, certFields)
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	certs, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) ([]api.AppSignCert, error) {
		return backend.Call(ctx, c.Backend, api.OpAppSignCertList, c.Caller, api.Empty{})
	})
	if err != nil {
		return err
	}
	ids := make([]string, len(certs))
	for i, c := range certs {
		ids[i] = c.ID
	}
	_ = complete.Remember(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Certificates, ids)
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, certs)
	}
	tp := tableprinter.New(opts.IO, "ID", "NAME", "PLATFORM", "AUTO-REGISTER", "DEVELOPMENT", "EXPIRES", "ADDED BY")
	for _, c := range certs {
		tp.AddRow(c.ID, safetext.Escape(c.Name), c.Platform, yesNo(c.AutoRegister), yesNo(c.Development), c.NotAfter, c.AddedBy)
	}
	return tp.Render()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
