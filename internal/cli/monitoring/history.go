package monitoring

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

// HistoryOptions holds what `approov monitoring history` needs.
type HistoryOptions struct {
	IO     *iostreams.IOStreams
	Auth   *login.Manager
	Now    func() time.Time
	JSON   *cmdutil.JSONFlags
	Domain string
	Since  string
}

// NewCmdHistory builds `approov monitoring history`.
func NewCmdHistory(f *cmdutil.Factory, runF func(*HistoryOptions) error) *cobra.Command {
	opts := &HistoryOptions{}
	cmd := &cobra.Command{
		Use:   "history [--domain D] [--since D]",
		Short: "List the checks kept (7 days), oldest first",
		Long: `List the checks of the API domains, oldest first: when, the state it found,
the latency and the error. Checks are kept 7 days (docs/monitoring.md).
--since takes a duration back from now (24h, 7d) or an RFC 3339 time.`,
		Example: "  $ approov monitoring history --domain api.example.com --since 24h\n  $ approov monitoring history --json --jq '[.[] | select(.state == \"failing\")] | length'",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth, opts.Now = f.IOStreams, f.Auth(), f.Now
			if runF != nil {
				return runF(opts)
			}
			return runHistory(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Domain, "domain", "", "only this domain's checks")
	cmd.Flags().StringVar(&opts.Since, "since", "", "only checks since a `time` (RFC 3339) or a duration ago (24h, 7d)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"time", "domain", "state", "latency", "error"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runHistory(ctx context.Context, opts *HistoryOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	since, err := parseSince(opts.Since, opts.Now())
	if err != nil {
		return err
	}
	hs, err := call(ctx, opts.Auth, api.OpMonitoringHistory, api.MonitoringHistoryRequest{Domain: opts.Domain, Since: since})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, hs)
	}
	tp := tableprinter.New(opts.IO, "TIME", "DOMAIN", "STATE", "LATENCY", "ERROR")
	for _, h := range hs {
		tp.AddRow(h.Time.UTC().Format(time.RFC3339), h.Domain, h.State, latency(h.Latency), clean(h.Error, 100))
	}
	return tp.Render()
}
