package monitoring

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

func newCmdPage(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "page <command>",
		Short: "Create or revoke the status page's read-only link",
		Long: `approovd serves a status page per account behind an unguessable read-only
link: each domain, its pins and which matched, the last check, expiry
countdowns and a 7-day chart. Anyone with the link can read it; revoke it
to stop that.`,
		Example: "  $ approov monitoring page enable\n  $ approov monitoring page disable --yes",
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdPageEnable(f, nil), NewCmdPageDisable(f, nil))
	return cmd
}

// PageOptions holds what `approov monitoring page enable|disable` needs.
type PageOptions struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter func() prompter.Prompter
	JSON     *cmdutil.JSONFlags
	Yes      bool
}

// NewCmdPageEnable builds `approov monitoring page enable`.
func NewCmdPageEnable(f *cmdutil.Factory, runF func(*PageOptions) error) *cobra.Command {
	opts := &PageOptions{}
	cmd := &cobra.Command{
		Use:   "enable",
		Short: "Make a new status-page link (printed once), revoking the old one",
		Long: `Make a new read-only link to the account's status page and print it. It is
shown only now: the service keeps only its hash. Making a new one revokes
the previous link. On approovd the page is at https://<server>/status/<token>.`,
		Example: "  $ approov monitoring page enable",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runPageEnable(c.Context(), opts)
		},
	}
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"token", "path"})
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runPageEnable(ctx context.Context, opts *PageOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	link, err := call(ctx, opts.Auth, api.OpMonitoringPageEnable, api.Empty{})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, link)
	}
	t, err := opts.Auth.Active(ctx)
	base := ""
	if err == nil {
		base = serverBase(t.Account.Backend)
	}
	fmt.Fprintf(opts.IO.Out, "%s%s\n", base, safetext.Escape(link.Path))
	fmt.Fprintln(opts.IO.ErrOut, "Anyone with this link can read the status page; it is shown only once (approov monitoring page disable revokes it).")
	return nil
}

// NewCmdPageDisable builds `approov monitoring page disable`.
func NewCmdPageDisable(f *cmdutil.Factory, runF func(*PageOptions) error) *cobra.Command {
	opts := &PageOptions{}
	cmd := &cobra.Command{
		Use:     "disable [--yes]",
		Short:   "Revoke the status-page link",
		Long:    `Revoke the status-page link: it answers 404 from then on.`,
		Example: "  $ approov monitoring page disable --yes",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth, opts.Prompter = f.IOStreams, f.Auth(), f.Prompter
			if runF != nil {
				return runF(opts)
			}
			return runPageDisable(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runPageDisable(ctx context.Context, opts *PageOptions) error {
	if err := cmdutil.Confirm(opts.IO, opts.Prompter(), opts.Yes, "Revoke the status-page link? Whoever has it can no longer read the page."); err != nil {
		return err
	}
	if _, err := call(ctx, opts.Auth, api.OpMonitoringPageDisable, api.Empty{}); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Revoked the status-page link\n", opts.IO.ErrColorScheme().SuccessIcon())
	return nil
}

// serverBase is the https URL of the account's server ("" on the
// embedded backend, which serves no page: approovd does).
func serverBase(backends []string) string {
	for _, b := range backends {
		if strings.HasPrefix(b, "https://") {
			return strings.TrimRight(b, "/")
		}
	}
	return ""
}
