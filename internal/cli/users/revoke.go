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

// RevokeOptions holds what `approov users revoke` needs.
type RevokeOptions struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter prompter.Prompter

	Email string
	Role  role.Role
	Yes   bool
}

// NewCmdRevoke builds `approov users revoke`.
func NewCmdRevoke(f *cmdutil.Factory, runF func(*RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{}
	var r string
	cmd := &cobra.Command{
		Use:   "revoke <email> --role R",
		Short: "Revoke one role of a user",
		Long: `Revoke one role of a user. It takes effect on the next request: the user's
live sessions in that role end at once. Asks for confirmation on a terminal;
scripts pass --yes.`,
		Example: `  $ approov users revoke alice@example.com --role admin
  $ approov users revoke ci@example.com --role automation --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Prompter, opts.Email = f.IOStreams, f.Auth(), f.Prompter(), args[0]
			if r == "" {
				return cmdutil.FlagErrorf("--role is required")
			}
			var err error
			if opts.Role, err = role.Parse(r); err != nil {
				return cmdutil.FlagErrorf("--role: %v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return runRevoke(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&r, "role", "", "the role to revoke")
	cmd.ValidArgsFunction = complete.Positional(f, complete.Emails)
	_ = cmd.RegisterFlagCompletionFunc("role", complete.From(f, complete.Roles))
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runRevoke(ctx context.Context, opts *RevokeOptions) error {
	q := fmt.Sprintf("Revoke the %s role of %s? Their %s sessions end at once.", opts.Role, opts.Email, opts.Role)
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, q); err != nil {
		return err
	}
	_, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (struct{}, error) {
		return struct{}{}, c.Backend.RevokeRole(ctx, c.Caller, api.RevokeRoleRequest{Email: opts.Email, Role: opts.Role})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Revoked the %s role of %s\n", opts.IO.ErrColorScheme().SuccessIcon(), opts.Role, safetext.Escape(opts.Email))
	return nil
}
