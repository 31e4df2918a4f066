package device

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

// ListOptions holds what `approov device list` needs.
type ListOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
}

// NewCmdList builds `approov device list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List installation overrides",
		Long: `List the overrides: the short masked id (the service never stores an
installation id), the mode, who added it and when it expires.`,
		Example: `  $ approov device list
  $ approov device list --json --jq '.[] | select(.mode == "pentest") | .id'`,
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
	opts.JSON = cmdutil.AddJSONFlags(cmd, deviceFields)
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	list, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) ([]api.Device, error) {
		return backend.Call(ctx, c.Backend, api.OpDeviceList, c.Caller, api.Empty{})
	})
	if err != nil {
		return err
	}
	ids := make([]string, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	_ = complete.Remember(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Devices, ids)
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, list)
	}
	tp := tableprinter.New(opts.IO, "ID", "MODE", "ADDED BY", "ADDED", "EXPIRES")
	for _, d := range list {
		var exp any = "never"
		switch {
		case d.Expired:
			exp = "expired"
		case !d.ExpiresAt.IsZero():
			exp = d.ExpiresAt
		}
		tp.AddRow(d.ID, d.Mode, safetext.Escape(d.AddedBy), d.AddedAt, exp)
	}
	return tp.Render()
}
