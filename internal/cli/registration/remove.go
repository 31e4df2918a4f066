package registration

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

// RemoveOptions holds what `approov registration remove` needs.
type RemoveOptions struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter prompter.Prompter

	IDs     []string
	Expired bool
	Yes     bool
}

// NewCmdRemove builds `approov registration remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{}
	cmd := &cobra.Command{
		Use:   "remove <id>... | --expired",
		Short: "Remove registrations",
		Long: `Remove registrations by id (from approov registration list), or every expired
one with --expired. A removed build no longer counts as registered. Asks for
confirmation on a terminal; scripts pass --yes.`,
		Example: `  $ approov registration remove 3f2a9c1d04b7e655
  $ approov registration remove --expired --yes`,
		Aliases: []string{"rm"},
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Prompter, opts.IDs = f.IOStreams, f.Auth(), f.Prompter(), args
			if (len(args) == 0) == !opts.Expired {
				return cmdutil.FlagErrorf("give registration ids or --expired, not both")
			}
			if runF != nil {
				return runF(opts)
			}
			return runRemove(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Expired, "expired", false, "remove every expired registration")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev, role.Automation, role.Delegate)
	cmd.ValidArgsFunction = complete.From(f, complete.Registrations)
	return cmd
}

func runRemove(ctx context.Context, opts *RemoveOptions) error {
	q := fmt.Sprintf("Remove %d registration(s)? The builds will no longer count as registered.", len(opts.IDs))
	if opts.Expired {
		q = "Remove every expired registration?"
	}
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, q); err != nil {
		return err
	}
	reqs := []api.RemoveRegistrationRequest{{Expired: true}}
	if !opts.Expired {
		reqs = reqs[:0]
		for _, id := range opts.IDs {
			reqs = append(reqs, api.RemoveRegistrationRequest{ID: id})
		}
	}
	for _, req := range reqs {
		out, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.RemovedRegistrations, error) {
			return backend.Call(ctx, c.Backend, api.OpRegistrationRemove, c.Caller, req)
		})
		if err != nil {
			return err
		}
		_ = complete.Drop(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Registrations, out.Removed...)
		for _, id := range out.Removed {
			fmt.Fprintf(opts.IO.ErrOut, "%s Removed registration %s\n", opts.IO.ErrColorScheme().SuccessIcon(), safetext.Escape(id))
		}
		if opts.Expired && len(out.Removed) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, "No expired registration to remove")
		}
	}
	return nil
}
