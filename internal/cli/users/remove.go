package users

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// RemoveOptions holds what `approov users remove` needs.
type RemoveOptions struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter prompter.Prompter

	Email string
	Yes   bool
}

// NewCmdRemove builds `approov users remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{}
	cmd := &cobra.Command{
		Use:   "remove <email>",
		Short: "Remove a user with all their roles",
		Long: `Remove a user: every role, pending code and live session of theirs ends.
Asks for confirmation on a terminal; scripts pass --yes.`,
		Example: `  $ approov users remove alice@example.com
  $ approov users remove old-ci@example.com --yes`,
		Aliases: []string{"rm"},
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Prompter, opts.Email = f.IOStreams, f.Auth(), f.Prompter(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return runRemove(c.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = complete.Positional(f, complete.Emails)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runRemove(ctx context.Context, opts *RemoveOptions) error {
	q := fmt.Sprintf("Remove %s with all their roles and sessions?", opts.Email)
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, q); err != nil {
		return err
	}
	_, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (struct{}, error) {
		return struct{}{}, c.Backend.RemoveUser(ctx, c.Caller, api.RemoveUserRequest{Email: opts.Email})
	})
	if err != nil {
		return err
	}
	_ = complete.Drop(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Emails, opts.Email)
	fmt.Fprintf(opts.IO.ErrOut, "%s Removed %s\n", opts.IO.ErrColorScheme().SuccessIcon(), safetext.Escape(opts.Email))
	return nil
}
