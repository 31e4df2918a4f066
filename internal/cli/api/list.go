package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	wire "github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

// ListOptions holds what `approov api list` needs.
type ListOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
}

// NewCmdList builds `approov api list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the API domains with their options and pins",
		Long:    `List the API domains of the current version: tokens on or off, pinned or not, and their pins.`,
		Example: "  $ approov api list\n  $ approov api list --json --jq '.[].domain'",
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
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"domain", "token", "pinning", "pins", "expires"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func listDomains(ctx context.Context, m *login.Manager) (wire.APIDomains, error) {
	return login.Call(ctx, m, func(ctx context.Context, c login.Conn) (wire.APIDomains, error) {
		return backend.Call(ctx, c.Backend, wire.OpAPIList, c.Caller, wire.Empty{})
	})
}

func runList(ctx context.Context, opts *ListOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	ds, err := listDomains(ctx, opts.Auth)
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, ds.Domains)
	}
	tp := tableprinter.New(opts.IO, "DOMAIN", "TOKEN", "PINNING", "PINS")
	for _, d := range ds.Domains {
		ps := make([]string, len(d.Pins))
		for i, p := range d.Pins {
			ps[i] = fmt.Sprintf("%s %s %s", p.Label, p.Type, p.SHA256)
		}
		tp.AddRow(d.Domain, onOff(d.Token), onOff(d.Pinning), strings.Join(ps, ", "))
	}
	return tp.Render()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// RemoveOptions holds what `approov api remove` needs.
type RemoveOptions struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter func() prompter.Prompter
	Domain   string
	Yes      bool
}

// NewCmdRemove builds `approov api remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{}
	cmd := &cobra.Command{
		Use:   "remove <domain> [--yes]",
		Short: "Remove an API domain and its pins",
		Long: `Remove an API domain: a new version of the pin configuration without it. Apps
stop adding tokens to its requests and pinning it once they fetch the new SDK
configuration.`,
		Example: `  $ approov api remove old-api.example.com --yes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Prompter, opts.Domain = f.IOStreams, f.Auth(), f.Prompter, args[0]
			if runF != nil {
				return runF(opts)
			}
			return runRemove(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runRemove(ctx context.Context, opts *RemoveOptions) error {
	t, err := opts.Auth.Active(ctx)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("Remove API domain %s from account %s? Apps stop pinning it and sending it tokens.", safetext.Escape(opts.Domain), safetext.Escape(t.Account.Name))
	if err := cmdutil.Confirm(opts.IO, opts.Prompter(), opts.Yes, q); err != nil {
		return err
	}
	res, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (wire.PinPushResult, error) {
		return backend.Call(ctx, c.Backend, wire.OpAPIRemove, c.Caller, wire.APIRemoveRequest{Domain: opts.Domain})
	})
	if err == nil {
		fmt.Fprintf(opts.IO.ErrOut, "removed %s: version %d\n", safetext.Escape(opts.Domain), res.Version)
	}
	return err
}
