package monitoring

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

// StatusOptions holds what `approov monitoring status` needs.
type StatusOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
}

// NewCmdStatus builds `approov monitoring status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each domain's last result, since when, and its next check",
		Long: `Show the monitoring settings, each API domain's state (ok, warning, failing or
unknown before its first check), since when it is in it, the last and next
check, and the latest notifications with their delivery (a failed webhook or
email shows here). The webhook secret is never shown.`,
		Example: "  $ approov monitoring status\n  $ approov monitoring status --json --jq '.domains[] | select(.state != \"ok\") | .domain'",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runStatus(c.Context(), opts)
		},
	}
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"settings", "domains", "deliveries"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runStatus(ctx context.Context, opts *StatusOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	st, err := call(ctx, opts.Auth, api.OpMonitoringStatus, api.Empty{})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, st)
	}
	fmt.Fprintln(opts.IO.ErrOut, describeSettings(st.Settings))
	if err := domainTable(opts.IO, st.Domains); err != nil {
		return err
	}
	return deliveryTable(opts.IO, st.Deliveries)
}

func domainTable(io *iostreams.IOStreams, ds []api.MonitoredDomain) error {
	tp := tableprinter.New(io, "DOMAIN", "STATE", "SINCE", "LAST CHECK", "NEXT CHECK", "LATENCY", "CERT EXPIRY", "DETAIL")
	for _, d := range ds {
		detail := d.Error
		if detail == "" && len(d.Warnings) > 0 {
			detail = d.Warnings[0]
		}
		tp.AddRow(d.Domain, d.State, when(d.Since), when(d.LastCheck), when(d.NextCheck), latency(d.Latency), when(d.CertExpiry), clean(detail, 100))
	}
	return tp.Render()
}

func deliveryTable(io *iostreams.IOStreams, ds []api.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	fmt.Fprintln(io.Out)
	tp := tableprinter.New(io, "NOTIFIED", "KIND", "TARGET", "EVENT", "DELIVERED", "ATTEMPTS", "ERROR")
	for _, d := range ds {
		tp.AddRow(when(d.Time), d.Kind, clean(d.Target, 60), d.Event, yesNo(d.OK), fmt.Sprint(len(d.Attempts)), clean(d.Error, 80))
	}
	return tp.Render()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
