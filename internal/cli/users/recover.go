package users

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// RecoverOptions holds what `approov users recover` needs.
type RecoverOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags

	Email string
	TTL   time.Duration
}

// NewCmdRecover builds `approov users recover`.
func NewCmdRecover(f *cmdutil.Factory, runF func(*RecoverOptions) error) *cobra.Command {
	opts := &RecoverOptions{}
	cmd := &cobra.Command{
		Use:   "recover <email>",
		Short: "Issue a recovery code for a user who lost a password",
		Long: `Issue a single-use recovery code for a user. Redeeming it with
"approov init -" (pasting the code) also needs the user's recovery PIN (shown once at init),
so the code alone, intercepted, is useless. The user sets new passwords for
their roles; their roles keep working until then.`,
		Example: `  $ approov users recover alice@example.com
  $ approov users recover alice@example.com --ttl 24h --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Email = f.IOStreams, f.Auth(), args[0]
			if opts.TTL < 0 {
				return cmdutil.FlagErrorf("--ttl must be positive")
			}
			if runF != nil {
				return runF(opts)
			}
			return runRecover(c.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = complete.Positional(f, complete.Emails)
	cmd.Flags().DurationVar(&opts.TTL, "ttl", 0, "how long the code stays valid (default 72h)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, invitationFields)
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runRecover(ctx context.Context, opts *RecoverOptions) error {
	inv, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.Invitation, error) {
		return c.Backend.RecoverUser(ctx, c.Caller, api.RecoverUserRequest{Email: opts.Email, CodeTTL: opts.TTL})
	})
	if err != nil {
		return err
	}
	return printInvitation(opts.IO, opts.JSON, inv)
}
