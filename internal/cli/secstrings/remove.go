package secstrings

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

// RemoveOptions holds what `approov secstrings remove` needs.
type RemoveOptions struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter prompter.Prompter

	Name string
	Yes  bool
}

// NewCmdRemove builds `approov secstrings remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{}
	cmd := &cobra.Command{
		Use:   "remove <name>",
		Short: "Remove a runtime secret",
		Long: `Remove a runtime secret: passing apps stop receiving it. Asks for
confirmation on a terminal; scripts pass --yes.`,
		Example: `  $ approov secstrings remove maps-key --yes`,
		Aliases: []string{"rm"},
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Prompter, opts.Name = f.IOStreams, f.Auth(), f.Prompter(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return runRemove(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runRemove(ctx context.Context, opts *RemoveOptions) error {
	q := fmt.Sprintf("Remove runtime secret %s? Passing apps will no longer receive it.", safetext.Escape(opts.Name))
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, q); err != nil {
		return err
	}
	_, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.Empty, error) {
		return backend.Call(ctx, c.Backend, api.OpSecStringsRemove, c.Caller, api.SecStringRemoveRequest{Name: opts.Name})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Removed runtime secret %s\n", opts.IO.ErrColorScheme().SuccessIcon(), safetext.Escape(opts.Name))
	return nil
}
