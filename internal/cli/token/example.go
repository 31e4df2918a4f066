package token

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

// ExampleOptions holds what `approov token example` needs.
type ExampleOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager

	Domain   string
	Type     string
	Bind     string
	HasBind  bool
	TTL      time.Duration
	DeviceID string
	IP       string
}

// NewCmdExample builds `approov token example`.
func NewCmdExample(f *cmdutil.Factory, runF func(*ExampleOptions) error) *cobra.Command {
	opts := &ExampleOptions{}
	cmd := &cobra.Command{
		Use:   "example <domain>",
		Short: "Print an example Approov token for an API domain",
		Long: `Print an example Approov token, alone on stdout, to test a backend's token
check: HS256 signed by the service with the account secret (header kid when
the account has one), claims exp, ip, did, and pay = base64(SHA-256(DATA))
with --bind. --type invalid signs the same shape with a random key: what an
app that failed attestation sends, which the backend must refuse.`,
		Example: `  $ approov token example api.example.com
  $ approov token example api.example.com --type invalid
  $ approov token example api.example.com --bind "Bearer $USER_TOKEN" --ttl 5m`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Domain = f.IOStreams, f.Auth(), args[0]
			opts.HasBind = c.Flags().Changed("bind")
			if runF != nil {
				return runF(opts)
			}
			return runExample(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Type, "type", "valid", "valid (the account secret) or invalid (a random key)")
	fl.StringVar(&opts.Bind, "bind", "", "bind the token to `DATA` (pay claim), e.g. an Authorization header value")
	fl.DurationVar(&opts.TTL, "ttl", time.Hour, "lifetime of the token")
	fl.StringVar(&opts.DeviceID, "did", "", "device id claim (default: an example id)")
	fl.StringVar(&opts.IP, "ip", "", "IP address claim (default 1.2.3.4)")
	cmd.ValidArgsFunction = complete.Positional(f, complete.Domains)
	_ = cmd.RegisterFlagCompletionFunc("type", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"valid", "invalid"}, cobra.ShellCompDirectiveNoFileComp
	})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runExample(ctx context.Context, opts *ExampleOptions) error {
	if opts.Type != "valid" && opts.Type != "invalid" {
		return cmdutil.FlagErrorf("--type %q: want valid or invalid", opts.Type)
	}
	req := api.TokenExampleRequest{Domain: opts.Domain, Type: opts.Type, TTL: opts.TTL, DeviceID: opts.DeviceID, IP: opts.IP}
	if opts.HasBind {
		req.Bind = []byte(opts.Bind)
	}
	ex, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.TokenExample, error) {
		return backend.Call(ctx, c.Backend, api.OpTokenExample, c.Caller, req)
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(opts.IO.Out, ex.Token)
	return err
}
