package monitoring

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// RunOptions holds what `approov monitoring run` needs.
type RunOptions struct {
	IO      *iostreams.IOStreams
	Auth    *login.Manager
	JSON    *cmdutil.JSONFlags
	Service *pins.CheckOptions // the embedded service's live check
	Live    cmdutil.LiveFlags
	Now     func() time.Time
}

// NewCmdRun builds `approov monitoring run`.
func NewCmdRun(f *cmdutil.Factory, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Check every domain now (the cron form on the embedded backend)",
		Long: `Check every API domain now, from where the service runs, record the results
and send the notifications their changes call for, as a scheduled check
would. Exits 7 when a domain fails, 6 when one only warns (a certificate or
the pin set expires within 30 days), 0 when all are ok: on the embedded
backend, this is what cron or a systemd timer runs (docs/monitoring.md).
--ca-file and --connect-to tell the embedded service how to reach the
domains; approovd uses its own view.`,
		Example: "  $ approov monitoring run\n  $ approov monitoring run --json --jq '.domains[] | select(.state == \"failing\") | .domain'",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth, opts.Service, opts.Now = f.IOStreams, f.Auth(), f.Live, f.Now
			if runF != nil {
				return runF(opts)
			}
			return runRun(c.Context(), opts)
		},
	}
	cmdutil.AddLiveFlags(cmd.Flags(), &opts.Live)
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"domains"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runRun(ctx context.Context, opts *RunOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	co, err := opts.Live.CheckOptions(opts.Now)
	if err != nil {
		return err
	}
	if opts.Service != nil {
		*opts.Service = co
	}
	out, err := call(ctx, opts.Auth, api.OpMonitoringRun, api.Empty{})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		err = opts.JSON.Write(opts.IO, out)
	} else {
		err = domainTable(opts.IO, out.Domains)
	}
	if err != nil {
		return err
	}
	return verdict(out.Domains)
}

// verdict is run's exit status: network (7) for a failing domain,
// invalid (6) for a warning.
func verdict(ds []api.MonitoredDomain) error {
	failing, warning := 0, 0
	for _, d := range ds {
		switch d.State {
		case api.MonitorFailing:
			failing++
		case api.MonitorWarning:
			warning++
		}
	}
	switch {
	case failing > 0:
		return fault.New(fault.Network, "%d of %d domains failing", failing, len(ds))
	case warning > 0:
		return fault.New(fault.Invalid, "%d of %d domains expire within 30 days", warning, len(ds))
	}
	return nil
}
