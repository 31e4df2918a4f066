package monitoring

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// TestOptions holds what `approov monitoring test` needs.
type TestOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
}

// NewCmdTest builds `approov monitoring test`.
func NewCmdTest(f *cmdutil.Factory, runF func(*TestOptions) error) *cobra.Command {
	opts := &TestOptions{}
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Send a test notification and report its delivery",
		Long: `Send a test notification to the webhook and the email recipients, and report
each delivery: its attempts, HTTP statuses and errors. Exits 7 when a
delivery failed. Admin only: it sends mail.`,
		Example: "  $ approov monitoring test\n  $ approov monitoring test --json --jq '.deliveries[] | {kind, ok, error}'",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runTest(c.Context(), opts)
		},
	}
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"deliveries"})
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runTest(ctx context.Context, opts *TestOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	out, err := call(ctx, opts.Auth, api.OpMonitoringTest, api.Empty{})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		err = opts.JSON.Write(opts.IO, out)
	} else {
		err = deliveryTable(opts.IO, out.Deliveries)
	}
	failed := 0
	for _, d := range out.Deliveries {
		if !d.OK {
			failed++
		}
	}
	if err == nil && failed > 0 {
		err = fault.New(fault.Network, "%d of %d test deliveries failed", failed, len(out.Deliveries))
	}
	if err == nil && !opts.JSON.Enabled() {
		fmt.Fprintf(opts.IO.ErrOut, "%s %d test deliveries made\n", opts.IO.ErrColorScheme().SuccessIcon(), len(out.Deliveries))
	}
	return err
}
