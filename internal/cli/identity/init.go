package identity

import (
	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cli/enrol"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/session"
)

// InitOptions holds what `approov init` needs: the options of the
// redemption flow, which package enrol runs.
type InitOptions = enrol.Options

// NewCmdInit builds `approov init`.
func NewCmdInit(f *cmdutil.Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{}
	cmd := &cobra.Command{
		Use:   "init <-|file|code>",
		Short: "Join an account with an onboarding code",
		Long: `Redeem an onboarding code: choose a password for each role the code grants
(asked twice, without echo), receive a recovery PIN shown once, and record the
account in ~/.approov (or $APPROOV_HOME). Each role then has a one-hour session
open, so the next commands do not ask for a password.

Give the code on stdin with "-" (paste it, then Enter) or in a file. It may also
be the argument, but then it is a bearer secret in the process list: every
local user can read /proc/<pid>/cmdline while init runs (seconds of Argon2id),
and your shell keeps it in its history. A mistyped code is caught by its
checksum before anything is sent. A code is single use.

For CI, redeem an automation code with --automation --out FILE: instead of a
password, approov writes a management token to FILE (mode 0600). Give that token
to the pipeline in APPROOV_MANAGEMENT_TOKEN (the token or the file's path).

With --password-stdin the first line of stdin is the password for every role
the code grants (the code itself must then come from a file).`,
		Example: `  $ approov init -        # paste the code, then Enter
  $ approov init code.txt
  $ approov init code.txt --automation --out ci.token
  $ approov init code.txt --password-stdin < password.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Prompter, opts.Now, opts.Source = f.IOStreams, f.Auth(), f.Prompter(), f.Now, args[0]
			if opts.Automation && opts.Out == "" {
				return cmdutil.FlagErrorf("--automation needs --out FILE for the management token")
			}
			if opts.Source == "-" && opts.PasswordStdin {
				return cmdutil.FlagErrorf("the code and the password cannot both come from stdin")
			}
			if _, err := session.ParsePolicy(opts.Storage); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return enrol.Run(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from the first line of stdin")
	cmd.Flags().BoolVar(&opts.Automation, "automation", false, "redeem an automation code: write a management token instead of setting a password")
	cmd.Flags().StringVar(&opts.Out, "out", "", "with --automation: file to write the management token to (mode 0600, must not exist)")
	cmd.Flags().StringVar(&opts.Storage, "storage", "", "where session keys go: auto, keyring or file (default: $APPROOV_STORAGE, else auto)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"account", "user", "roles", "code_id", "token_file"})
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}
