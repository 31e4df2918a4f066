package appsigncert

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// RemoveOptions holds what `approov appsigncert remove` needs.
type RemoveOptions struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter prompter.Prompter

	ID  string
	Yes bool
}

// NewCmdRemove builds `approov appsigncert remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{}
	cmd := &cobra.Command{
		Use:   "remove <id>",
		Short: "Stop trusting an app-signing certificate",
		Long: `Remove a certificate by its id or full SHA-256 (approov appsigncert list).
Builds it auto-registered stop counting as registered unless they have a
registration of their own. Asks for confirmation on a terminal; scripts pass --yes.`,
		Example: `  $ approov appsigncert remove 5e1f0c9a7d3b2a41
  $ approov appsigncert remove 5e1f0c9a7d3b2a41 --yes`,
		Aliases: []string{"rm"},
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Prompter, opts.ID = f.IOStreams, f.Auth(), f.Prompter(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return runRemove(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	cmd.ValidArgsFunction = complete.Positional(f, complete.Certificates)
	return cmd
}

func runRemove(ctx context.Context, opts *RemoveOptions) error {
	q := fmt.Sprintf("Stop trusting certificate %s? Builds it auto-registered will no longer count.", safetext.Escape(opts.ID))
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, q); err != nil {
		return err
	}
	_, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.Empty, error) {
		return backend.Call(ctx, c.Backend, api.OpAppSignCertRemove, c.Caller, api.RemoveAppSignCertRequest{ID: opts.ID})
	})
	if err != nil {
		return err
	}
	_ = complete.Drop(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Certificates, opts.ID)
	fmt.Fprintf(opts.IO.ErrOut, "%s Removed certificate %s\n", opts.IO.ErrColorScheme().SuccessIcon(), safetext.Escape(opts.ID))
	return nil
}
