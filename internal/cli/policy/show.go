package policy

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// ShowOptions holds what `approov policy show` needs.
type ShowOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
}

// NewCmdShow builds `approov policy show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the attestation policy",
		Long: `Show the account's attestation policy and its version: the properties that
reject, those that make a device risky, the token claims, whether failing
apps get reasons, and the token lifetimes.`,
		Example: `  $ approov policy show
  $ approov policy show --json --jq .version`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runShow(c.Context(), opts)
		},
	}
	opts.JSON = cmdutil.AddJSONFlags(cmd, policyFields)
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runShow(ctx context.Context, opts *ShowOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	p, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.TokenPolicy, error) {
		return backend.Call(ctx, c.Backend, api.OpPolicyShow, c.Caller, api.Empty{})
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, p)
	}
	render(opts.IO, p)
	return nil
}
