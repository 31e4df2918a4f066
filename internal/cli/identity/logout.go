package identity

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// LogoutOptions holds what `approov logout` needs.
type LogoutOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	All  bool
}

// NewCmdLogout builds `approov logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "End the active role's session",
		Long: `End the session of the active role, at the service and on this machine (its
key is deleted). The next command in that role asks for the password again.
With --all, end every session recorded on this machine.`,
		Example: `  $ approov logout
  $ approov logout --all`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runLogout(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "end every session on this machine")
	// Any role may log out, and --all must work even when no role resolves.
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

func runLogout(ctx context.Context, opts *LogoutOptions) error {
	targets, err := logoutTargets(ctx, opts)
	if err != nil {
		return err
	}
	ended := 0
	for _, t := range targets {
		had, err := opts.Auth.Logout(ctx, t)
		if err != nil {
			return err
		}
		if had {
			ended++
			fmt.Fprintf(opts.IO.ErrOut, "%s Logged out of %s on %s\n", opts.IO.ErrColorScheme().SuccessIcon(), t.Role, safetext.Escape(t.Account.Name))
		}
	}
	if ended == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No session to end.")
	}
	return nil
}

func logoutTargets(ctx context.Context, opts *LogoutOptions) ([]login.Target, error) {
	if !opts.All {
		t, err := opts.Auth.Active(ctx)
		return []login.Target{t}, err
	}
	st, err := opts.Auth.State(ctx)
	if err != nil {
		return nil, err
	}
	var out []login.Target
	seen := map[string]bool{}
	for _, s := range st.Sessions {
		key := s.Account + ":" + string(s.Role)
		if seen[key] {
			continue
		}
		seen[key] = true
		acct := session.Account{ID: s.Account, Name: s.Account}
		if a := st.Account(s.Account); a != nil {
			acct = *a
		}
		out = append(out, login.Target{Account: acct, Role: s.Role})
	}
	return out, nil
}
