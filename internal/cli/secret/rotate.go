package secret

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// RotateOptions holds what `approov secret rotate` needs.
type RotateOptions struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter prompter.Prompter
	JSON     *cmdutil.JSONFlags

	Yes bool
}

// NewCmdRotate builds `approov secret rotate`.
func NewCmdRotate(f *cmdutil.Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{}
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the account's token secret",
		Long: `Replace the account's HS256 token secret with a new random one, e.g. after a
leak. Every token signed with the old secret is refused from then on: every
API backend that verifies tokens must be given the new secret (approov secret
get). Asks for confirmation on a terminal; scripts pass --yes.`,
		Example: `  $ approov secret rotate
  $ approov secret rotate --yes && approov secret get --plain > /run/secrets/approov`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth, opts.Prompter = f.IOStreams, f.Auth(), f.Prompter()
			if runF != nil {
				return runF(opts)
			}
			return runRotate(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"kid", "rotated_at"})
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runRotate(ctx context.Context, opts *RotateOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	t, err := opts.Auth.Active(ctx)
	if err != nil {
		return err
	}
	acct := safetext.Escape(t.Account.ID)
	q := fmt.Sprintf("Rotate the token secret of account %s? Tokens signed with the old secret stop verifying: every API backend must get the new one.", acct)
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, q); err != nil {
		return err
	}
	info, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.SecretInfo, error) {
		return backend.Call(ctx, c.Backend, api.OpSecretRotate, c.Caller, api.Empty{})
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, info)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Rotated the token secret of account %s\n", opts.IO.ErrColorScheme().SuccessIcon(), acct)
	fmt.Fprintf(opts.IO.ErrOut, "Give every API backend the new secret: approov secret get --plain\n")
	return nil
}
