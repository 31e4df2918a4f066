package device

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// RemoveOptions holds what `approov device remove` needs.
type RemoveOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	ID   string
}

// NewCmdRemove builds `approov device remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{}
	cmd := &cobra.Command{
		Use:   "remove <id>",
		Short: "Remove an installation's override",
		Long: `Remove an override by the id device list shows (or a unique prefix of 8 or
more of its digits), or by the installation id. The installation is then
attested by the policy again.`,
		Example: `  $ approov device remove 3f9a1c0be2d4`,
		Aliases: []string{"rm"},
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.ID = f.IOStreams, f.Auth(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return runRemove(c.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = complete.Positional(f, complete.Devices)
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runRemove(ctx context.Context, opts *RemoveOptions) error {
	d, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.Device, error) {
		return backend.Call(ctx, c.Backend, api.OpDeviceRemove, c.Caller, api.DeviceRemoveRequest{ID: opts.ID})
	})
	if err != nil {
		return err
	}
	// The answer names the override by its short id, however it was named here.
	_ = complete.Drop(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Devices, d.ID)
	fmt.Fprintf(opts.IO.ErrOut, "%s Removed the override of device %s\n", opts.IO.ErrColorScheme().SuccessIcon(), safetext.Escape(d.ID))
	return nil
}
