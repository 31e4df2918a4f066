package identity

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// RoleOptions holds what `approov role` needs.
type RoleOptions struct {
	IO     *iostreams.IOStreams
	Auth   *login.Manager
	JSON   *cmdutil.JSONFlags
	Now    func() time.Time
	Getenv func(string) string

	Args          []string
	Shell         string
	PasswordStdin bool
}

// NewCmdRole builds `approov role`.
func NewCmdRole(f *cmdutil.Factory, runF func(*RoleOptions) error) *cobra.Command {
	opts := &RoleOptions{}
	cmd := &cobra.Command{
		Use:   "role [<role> [<account>] | .]",
		Short: "Choose the role you act in, or list your roles",
		Long: `Choose the role (admin, dev, delegate, automation) and account that the
following commands use. approov prints a line that sets APPROOV_ROLE for your
shell: evaluate it. A session for the role is opened at once if there is none
(asking for the role's password on the terminal, or reading it with
--password-stdin); it lasts one hour.

"approov role ." refreshes the active role's session for another hour.
With no argument, lists your accounts and roles with their session expiry.

The shell is taken from $SHELL; --shell chooses bash, zsh, sh, fish,
powershell or cmd.`,
		Example: `  $ approov role admin                     # bash, zsh, sh: run as eval "$(approov role admin)"
  $ approov role dev demo
  $ approov role dev | source              # fish
  $ approov role admin | Invoke-Expression # PowerShell
  $ approov role .
  $ approov role --json`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Now, opts.Getenv, opts.Args = f.IOStreams, f.Auth(), f.Now, os.Getenv, args
			if len(args) == 2 && args[0] == "." {
				return cmdutil.FlagErrorf("\"approov role .\" takes no account")
			}
			if runF != nil {
				return runF(opts)
			}
			return runRole(c.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = complete.Positional(f, complete.Roles, complete.Accounts)
	cmd.Flags().StringVar(&opts.Shell, "shell", "", "shell to write for: bash, zsh, sh, fish, powershell, cmd (default: from $SHELL)")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the role's password from the first line of stdin")
	opts.JSON = cmdutil.AddJSONFlags(cmd, roleFields)
	// Choosing a role must work when none is active yet; the gate has nothing to check.
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

func runRole(ctx context.Context, opts *RoleOptions) error {
	if len(opts.Args) == 0 {
		return listRoles(ctx, opts)
	}
	shell := detectShell(opts.Getenv)
	if opts.Shell != "" {
		var err error
		if shell, err = checkShell(opts.Shell); err != nil {
			return err
		}
	}
	t, err := roleTarget(ctx, opts)
	if err != nil {
		return err
	}
	if err := openRole(ctx, opts, t); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, exportLine(shell, t.Ref().String()))
	if opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "To use it in this shell: %s\n", evalHint(shell, argString(opts.Args)))
	}
	return nil
}

func argString(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}

func roleTarget(ctx context.Context, opts *RoleOptions) (login.Target, error) {
	if opts.Args[0] == "." {
		return opts.Auth.Active(ctx)
	}
	r, err := role.Parse(opts.Args[0])
	if err != nil {
		return login.Target{}, cmdutil.FlagErrorf("%v", err)
	}
	ref := session.RoleRef{Role: r}
	if len(opts.Args) == 2 {
		ref.Account = opts.Args[1]
	}
	return opts.Auth.Resolve(ctx, ref)
}

// openRole makes sure t has a live session: "." always logs in afresh,
// a named role reuses a live session.
func openRole(ctx context.Context, opts *RoleOptions, t login.Target) error {
	var pw []byte
	if opts.PasswordStdin && t.Token == nil {
		p, err := prompter.PasswordFromStdin(opts.IO.In)
		if err != nil {
			return err
		}
		pw = p
		defer auth.Wipe(p)
	}
	var err error
	if opts.Args[0] == "." || pw != nil {
		_, err = opts.Auth.Login(ctx, t, pw)
	} else {
		_, err = opts.Auth.ConnectTo(ctx, t)
	}
	if err != nil {
		return err
	}
	return opts.Auth.MarkUsed(ctx, t)
}
