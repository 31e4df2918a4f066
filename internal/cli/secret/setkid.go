package secret

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// SetKIDOptions holds what `approov secret set-kid` needs.
type SetKIDOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager

	KeyID string
}

// NewCmdSetKID builds `approov secret set-kid`.
func NewCmdSetKID(f *cmdutil.Factory, runF func(*SetKIDOptions) error) *cobra.Command {
	opts := &SetKIDOptions{}
	cmd := &cobra.Command{
		Use:   "set-kid <kid>",
		Short: "Set the kid header of the account's tokens",
		Long: `Set the key id (JWT header kid) the account's tokens carry, so a backend that
holds several keys picks the right one. Once set, token check requires it.
An empty kid ("") removes it.`,
		Example: `  $ approov secret set-kid 0001
  $ approov secret set-kid ""`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.KeyID = f.IOStreams, f.Auth(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return runSetKID(c.Context(), opts)
		},
	}
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runSetKID(ctx context.Context, opts *SetKIDOptions) error {
	info, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.SecretInfo, error) {
		return backend.Call(ctx, c.Backend, api.OpSecretSetKeyID, c.Caller, api.SetKeyIDRequest{KeyID: opts.KeyID})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Tokens now carry kid %s\n", opts.IO.ErrColorScheme().SuccessIcon(), kidText(info.KeyID))
	return nil
}
