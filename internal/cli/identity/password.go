package identity

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// PasswordOptions holds what `approov password` needs.
type PasswordOptions struct {
	IO            *iostreams.IOStreams
	Auth          *login.Manager
	Prompter      prompter.Prompter
	PasswordStdin bool
	Out           string // automation: where the new management token goes
}

// NewCmdPassword builds `approov password`.
func NewCmdPassword(f *cmdutil.Factory, runF func(*PasswordOptions) error) *cobra.Command {
	opts := &PasswordOptions{}
	cmd := &cobra.Command{
		Use:   "password",
		Short: "Change the active role's password, or rotate the automation role's token",
		Long: `Change the password of the active role. approov asks for the current password
(a live session alone is not enough: whoever finds your terminal unlocked must
not be able to lock you out), then for the new one twice. The service replaces
the role's key and ends every session of the role, everywhere; this machine
gets a new session at once.

With --password-stdin, stdin holds two lines: the current password, then the new one.

For the automation role, password rotates the management token instead and
never prompts: the new token is written to --out FILE (mode 0600, never an
existing file), then enrolled; the old token and every session it opened stop
working at once.`,
		Example: `  $ approov password
  $ approov password --password-stdin < old-and-new.txt
  $ approov password --out ci-new.token   # automation: rotate the token`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth, opts.Prompter = f.IOStreams, f.Auth(), f.Prompter()
			if runF != nil {
				return runF(opts)
			}
			return runPassword(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the current and the new password from the first two lines of stdin")
	cmd.Flags().StringVar(&opts.Out, "out", "", "automation role: write the new management token to `FILE` (mode 0600)")
	cmdutil.RequireRoles(cmd, role.All...)
	return cmd
}

func runPassword(ctx context.Context, opts *PasswordOptions) error {
	t, err := opts.Auth.Active(ctx)
	if err != nil {
		return err
	}
	if t.Token != nil {
		return rotateToken(ctx, opts, t)
	}
	if opts.Out != "" {
		return cmdutil.FlagErrorf("--out is for the automation role, which rotates its management token")
	}
	current, fresh, err := passwords(opts, t)
	if err != nil {
		return err
	}
	defer auth.Wipe(current)
	defer auth.Wipe(fresh)
	// A fresh login proves the current password (and is rate limited).
	conn, err := opts.Auth.Login(ctx, t, current)
	if err != nil {
		return err
	}
	key, err := changeKey(ctx, conn, fresh)
	if err != nil {
		return err
	}
	if err := opts.Auth.Forget(ctx, t); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Password changed for %s on %s; its other sessions were ended.\n", opts.IO.ErrColorScheme().SuccessIcon(), t.Role, safetext.Escape(t.Account.Name))
	if _, err := opts.Auth.LoginWithKey(ctx, t, conn.Backend, func(api.LoginChallenge) (ed25519.PrivateKey, error) { return key, nil }); err != nil {
		opts.IO.Warnf("could not open a new session (%v); the next command will ask for the new password", err)
	}
	return nil
}

// changeKey enrols the key derived from the new password, with the
// service's current Argon2id costs, and returns it.
func changeKey(ctx context.Context, conn login.Conn, password []byte) (ed25519.PrivateKey, error) {
	info, err := conn.Backend.Info(ctx)
	if err != nil {
		return nil, err
	}
	enr, key, err := backend.PasswordEnrolment(conn.Target.Role, password, info.Params)
	if err != nil {
		return nil, err
	}
	return key, conn.Backend.ChangePassword(ctx, conn.Caller, enr)
}

// passwords gets the current and the new password, from stdin or the terminal.
func passwords(opts *PasswordOptions, t login.Target) (current, fresh []byte, err error) {
	if opts.PasswordStdin {
		return twoLines(opts.IO.In)
	}
	if current, err = opts.Prompter.Password(fmt.Sprintf("Current password for %s on %s", t.Role, t.Account.Name)); err != nil {
		return nil, nil, err
	}
	if fresh, err = opts.Prompter.NewPassword(fmt.Sprintf("New password for %s on %s", t.Role, t.Account.Name)); err != nil {
		auth.Wipe(current)
		return nil, nil, err
	}
	return current, fresh, nil
}

func twoLines(r io.Reader) ([]byte, []byte, error) {
	current, err := prompter.PasswordFromStdin(r)
	if err != nil {
		return nil, nil, err
	}
	fresh, err := prompter.PasswordFromStdin(r)
	if err != nil {
		return nil, nil, fault.WithHint(err, "stdin needs two lines: the current password, then the new one")
	}
	if err := prompter.CheckNewPassword(fresh); err != nil {
		return nil, nil, err
	}
	return current, fresh, nil
}
