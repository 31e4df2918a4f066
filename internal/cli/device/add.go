package device

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// AddOptions holds what `approov device add` needs.
type AddOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags

	ID                            string // an installation id or "latest"
	ForcePass, ForceFail, Pentest bool
	Expires                       string
}

// NewCmdAdd builds `approov device add`.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{}
	cmd := &cobra.Command{
		Use:   "add <id|latest> --force-pass|--force-fail|--pentest [--expires D]",
		Short: "Add or replace an installation's override",
		Long: `Add an override for one installation, or replace the one it has. The id is
the did claim of the installation's tokens; "latest" is the installation that
attested last (within the last hour). --pentest needs the admin role and
--expires (at most 7d); other overrides may expire (at most 366d).`,
		Example: `  $ approov device add latest --force-pass
  $ approov device add latest --force-fail --expires 1h
  $ approov device add Xq3...vE --pentest --expires 2d`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.ID = f.IOStreams, f.Auth(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return runAdd(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.ForcePass, "force-pass", false, "always pass (registration and device properties aside)")
	fl.BoolVar(&opts.ForceFail, "force-fail", false, "always fail")
	fl.BoolVar(&opts.Pentest, "pentest", false, "pass and get the configuration with pinning disabled (admin; needs --expires)")
	fl.StringVar(&opts.Expires, "expires", "", "the override ends after this long: 2h, 7d")
	opts.JSON = cmdutil.AddJSONFlags(cmd, deviceFields)
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func (o *AddOptions) request() (api.DeviceAddRequest, error) {
	req := api.DeviceAddRequest{Mode: api.DeviceForcePass}
	switch {
	case countTrue(o.ForcePass, o.ForceFail, o.Pentest) != 1:
		return req, cmdutil.FlagErrorf("give one of --force-pass, --force-fail or --pentest")
	case o.ForceFail:
		req.Mode = api.DeviceForceFail
	case o.Pentest:
		req.Mode = api.DevicePentest
	}
	if o.ID == "latest" {
		req.Latest = true
	} else {
		req.ID = o.ID
	}
	if o.Expires != "" {
		d, err := cmdutil.ParseDays(o.Expires)
		if err != nil || d <= 0 {
			return req, cmdutil.FlagErrorf("--expires %q: want a duration such as 2h or 7d", o.Expires)
		}
		req.ExpireAfter = d
	}
	if o.Pentest && req.ExpireAfter == 0 {
		return req, cmdutil.FlagErrorf("--pentest needs --expires (at most 7d)")
	}
	return req, nil
}

func runAdd(ctx context.Context, opts *AddOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	req, err := opts.request()
	if err != nil {
		return err
	}
	d, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.Device, error) {
		return backend.Call(ctx, c.Backend, api.OpDeviceAdd, c.Caller, req)
	})
	if err != nil {
		return err
	}
	_ = complete.Add(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Devices, d.ID)
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, d)
	}
	until := "no expiry"
	if !d.ExpiresAt.IsZero() {
		until = "until " + d.ExpiresAt.Format(time.RFC3339)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Device %s is %s, %s\n", opts.IO.ErrColorScheme().SuccessIcon(), d.ID, d.Mode, until)
	return nil
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
