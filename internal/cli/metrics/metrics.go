// Package metrics implements `approov metrics`: the account's attestations
// counted by hour or day, broken down by outcome, reason, app, version,
// platform or network, with unique installations, as a table with a
// terminal chart or as SVG and PNG charts.
package metrics

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// Options holds what `approov metrics` needs.
type Options struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
	Now  func() time.Time

	Since string
	Until string
	By    string
	Step  string
	SVG   string
	PNG   string
}

// NewCmdMetrics builds `approov metrics`.
func NewCmdMetrics(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Show attestations passed and failed, with reasons",
		Long: `Show the account's attestations of a period, counted by hour or by day in UTC
and broken down by outcome (pass, pass-risky, fail), reason (each policy reason,
"none" for a clean pass), app, version, platform or network (the client's /24
or /48: the service never stores a full address), with the unique
installations of each day and month (counted from keyed hashes: the service
never stores an installation id).

The default period is the last 24 hours, by the hour; beyond 3 days, by the
day. --since and --until take a duration back from now (24h, 7d, 2w) or an
RFC 3339 time. On a terminal the counts come with a bar chart; piped, one
tab-separated line per hour or day. --svg and --png write a stacked bar chart
(replacing a regular file atomically, never anything else).`,
		Example: `  $ approov metrics
  $ approov metrics --since 7d --by reason
  $ approov metrics --since 30d --by version --svg versions.svg
  $ approov metrics --since 2026-11-01T00:00:00Z --until 2026-12-01T00:00:00Z --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth, opts.Now = f.IOStreams, f.Auth(), f.Now
			if runF != nil {
				return runF(opts)
			}
			return runMetrics(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Since, "since", "", "start of the period: a `time` (RFC 3339) or a duration ago (default 24h)")
	fl.StringVar(&opts.Until, "until", "", "end of the period: a `time` (RFC 3339) or a duration ago (default now)")
	fl.StringVar(&opts.By, "by", api.MetricsByOutcome, "break down by `dimension`: "+strings.Join(api.MetricsBy, ", "))
	fl.StringVar(&opts.Step, "step", "", "count by hour or day (default: hour up to 3 days, day beyond)")
	fl.StringVar(&opts.SVG, "svg", "", "also write the chart as SVG to `file`")
	fl.StringVar(&opts.PNG, "png", "", "also write the chart as PNG to `file`")
	_ = cmd.RegisterFlagCompletionFunc("by", fixed(api.MetricsBy...))
	_ = cmd.RegisterFlagCompletionFunc("step", fixed(api.MetricsStepHour, api.MetricsStepDay))
	_ = cmd.MarkFlagFilename("svg", "svg")
	_ = cmd.MarkFlagFilename("png", "png")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"since", "until", "by", "step", "total", "series", "buckets", "days", "months"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func fixed(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

func runMetrics(ctx context.Context, opts *Options) error {
	q, err := query(opts)
	if err != nil {
		return err
	}
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	m, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.Metrics, error) {
		return backend.Call(ctx, c.Backend, api.OpMetrics, c.Caller, q)
	})
	if err != nil {
		return err
	}
	if err := writeCharts(opts, m); err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, m)
	}
	return render(opts.IO, m)
}

// query checks the flags here, for early one-line errors; the service
// checks them again.
func query(opts *Options) (api.MetricsQuery, error) {
	now := opts.Now()
	since, err := cmdutil.ParseWhen("--since", opts.Since, now)
	if err != nil {
		return api.MetricsQuery{}, err
	}
	until, err := cmdutil.ParseWhen("--until", opts.Until, now)
	if err != nil {
		return api.MetricsQuery{}, err
	}
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		return api.MetricsQuery{}, cmdutil.FlagErrorf("--since %s is not before --until %s", opts.Since, opts.Until)
	}
	if !slices.Contains(api.MetricsBy, opts.By) {
		return api.MetricsQuery{}, cmdutil.FlagErrorf("--by %q: want one of %s", opts.By, strings.Join(api.MetricsBy, ", "))
	}
	if opts.Step != "" && opts.Step != api.MetricsStepHour && opts.Step != api.MetricsStepDay {
		return api.MetricsQuery{}, cmdutil.FlagErrorf("--step %q: want hour or day", opts.Step)
	}
	return api.MetricsQuery{Since: since, Until: until, By: opts.By, Step: opts.Step}, nil
}
