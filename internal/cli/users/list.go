package users

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

// ListOptions holds what `approov users list` needs.
type ListOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
}

// NewCmdList builds `approov users list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users and their roles",
		Long: `List the account's users with each role's state (pending until the code is
redeemed, active, expired, revoked) and expiry. Piped, the table is
tab-separated with RFC 3339 times; --json gives one object per user.`,
		Example: `  $ approov users list
  $ approov users list --json --jq '.[].email'`,
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
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"email", "created_at", "roles"})
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	users, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) ([]api.User, error) {
		return c.Backend.ListUsers(ctx, c.Caller)
	})
	if err != nil {
		return err
	}
	remember(ctx, opts.Auth, users)
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, users)
	}
	tp := tableprinter.New(opts.IO, "EMAIL", "ROLE", "STATE", "EXPIRES")
	for _, u := range users {
		if len(u.Roles) == 0 {
			tp.AddRow(u.Email, "-", "-", "-")
		}
		for _, r := range u.Roles {
			exp := any("never")
			if !r.ExpiresAt.IsZero() {
				exp = r.ExpiresAt
			}
			tp.AddRow(u.Email, string(r.Role), string(r.State), exp)
		}
	}
	return tp.Render()
}

// remember refreshes the completion cache of emails with the listed users.
func remember(ctx context.Context, m *login.Manager, users []api.User) {
	emails := make([]string, len(users))
	for i, u := range users {
		emails[i] = u.Email
	}
	_ = complete.Remember(ctx, m, complete.ActiveAccount(ctx, m), complete.Emails, emails)
}
