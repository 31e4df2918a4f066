package secstrings

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

// ListOptions holds what `approov secstrings list` needs.
type ListOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
}

// NewCmdList builds `approov secstrings list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List runtime secrets (names, never values)",
		Long:    `List the runtime secrets by name, with who set them and when. Values are never shown.`,
		Example: `  $ approov secstrings list`,
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
	opts.JSON = cmdutil.AddJSONFlags(cmd, secFields)
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	list, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) ([]api.SecString, error) {
		return backend.Call(ctx, c.Backend, api.OpSecStringsList, c.Caller, api.Empty{})
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, list)
	}
	tp := tableprinter.New(opts.IO, "NAME", "SET BY", "SET")
	for _, s := range list {
		tp.AddRow(safetext.Escape(s.Name), safetext.Escape(s.SetBy), s.SetAt)
	}
	return tp.Render()
}
