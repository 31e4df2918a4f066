package users

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// AddOptions holds what `approov users add` needs.
type AddOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
	Now  func() time.Time

	Email   string
	Roles   []role.Role
	Expires time.Time
}

// invitationFields are the --json fields of add and recover.
var invitationFields = []string{"user", "kind", "roles", "code_id", "code", "expires_at"}

// NewCmdAdd builds `approov users add`.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{}
	var roles, expires string
	cmd := &cobra.Command{
		Use:   "add <email> --role R[,R] [--expires D]",
		Short: "Invite a user or grant roles to one",
		Long: `Invite a user with one or more roles (admin, dev, delegate, automation), or
grant more roles to an existing user. approov prints a single-use onboarding
code that expires in 72 hours: hand it over privately; the user runs
"approov init -" and pastes it (an automation code: "approov init - --automation
--out FILE"). Not "approov init <code>": as an argument the code shows in the
process list to every local user while init runs.

--expires limits the roles: a duration (90d, 2w, 36h) or a date (2027-01-31).
Without it the roles last as long as your own admin role, and they can never
outlast it.`,
		Example: `  $ approov users add alice@example.com --role dev
  $ approov users add ci@example.com --role automation --expires 180d
  $ approov users add bob@example.com --role admin,dev --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Now, opts.Email = f.IOStreams, f.Auth(), f.Now, args[0]
			if roles == "" {
				return cmdutil.FlagErrorf("--role is required (admin, dev, delegate or automation; comma-separated)")
			}
			var err error
			if opts.Roles, err = role.ParseList(roles); err != nil {
				return cmdutil.FlagErrorf("--role: %v", err)
			}
			if opts.Expires, err = parseExpiry(expires, opts.Now()); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAdd(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&roles, "role", "", "roles to grant, comma-separated: admin, dev, delegate, automation")
	_ = cmd.RegisterFlagCompletionFunc("role", complete.From(f, complete.Roles))
	cmd.Flags().StringVar(&expires, "expires", "", "when the roles expire: a duration (90d, 2w, 36h) or a date (2027-01-31)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, invitationFields)
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runAdd(ctx context.Context, opts *AddOptions) error {
	inv, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.Invitation, error) {
		return c.Backend.AddUser(ctx, c.Caller, api.AddUserRequest{Email: opts.Email, Roles: opts.Roles, RoleExpiresAt: opts.Expires})
	})
	if err != nil {
		return err
	}
	_ = complete.Add(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Emails, inv.User)
	return printInvitation(opts.IO, opts.JSON, inv)
}

// printInvitation prints the code on stdout (it is the product) and how to
// use it on stderr.
func printInvitation(io *iostreams.IOStreams, j *cmdutil.JSONFlags, inv api.Invitation) error {
	if j.Enabled() {
		return j.Write(io, inv)
	}
	fmt.Fprintln(io.Out, inv.Code)
	names := make([]string, len(inv.Roles))
	automation := false
	for i, g := range inv.Roles {
		names[i] = string(g.Role)
		automation = automation || g.Role == role.Automation
	}
	redeem := "approov init -   (and paste the code)"
	if automation {
		redeem = "approov init - --automation --out ci.token   (and paste the code)"
	}
	what := "Onboarding"
	if inv.Kind == api.CodeRecovery {
		what, redeem = "Recovery", redeem+", with their recovery PIN"
	}
	fmt.Fprintf(io.ErrOut, "%s %s code for %s (roles %s; id %s), single use, expires %s.\nHand it over privately; they run: %s\n",
		io.ErrColorScheme().SuccessIcon(), what, safetext.Escape(inv.User), strings.Join(names, ", "), safetext.Escape(inv.CodeID), inv.ExpiresAt.Local().Format(cmdutil.TimeLayout), redeem)
	return nil
}
