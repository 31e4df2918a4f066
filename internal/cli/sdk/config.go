package sdk

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// ConfigOptions holds what `approov sdk config` needs.
type ConfigOptions struct {
	IO        *iostreams.IOStreams
	Auth      *login.Manager
	JSON      *cmdutil.JSONFlags
	Output    string
	PublicKey bool
	Version   uint64
}

// NewCmdConfig builds `approov sdk config`.
func NewCmdConfig(f *cmdutil.Factory, runF func(*ConfigOptions) error) *cobra.Command {
	opts := &ConfigOptions{}
	cmd := &cobra.Command{
		Use:   "config [-o FILE] [--public-key] [--version N]",
		Short: "Print the signed SDK configuration, or the public key apps embed",
		Long: `Print the latest signed SDK configuration (an ES256 JWT), or that of --version
N, alone on standard output or into a file (-o). --public-key prints instead
the PEM public key apps embed to verify it.`,
		Example: `  $ approov sdk config -o config.jwt
  $ approov sdk config --version 2
  $ approov sdk config --public-key > config-key.pem`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runConfig(c.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&opts.Output, "output", "o", "", "write to `file` (mode 0644) instead of standard output")
	fs.BoolVar(&opts.PublicKey, "public-key", false, "print the configuration public key (PEM) instead")
	fs.Uint64Var(&opts.Version, "version", 0, "the configuration of version `N` (default: the latest)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"version", "config", "public_key"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runConfig(ctx context.Context, opts *ConfigOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	cfg, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.SDKConfig, error) {
		return backend.Call(ctx, c.Backend, api.OpSDKConfig, c.Caller, api.SDKConfigRequest{Version: opts.Version})
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, cfg)
	}
	out := cfg.Config + "\n"
	switch {
	case opts.PublicKey:
		out = cfg.PublicKey
	case cfg.Config == "":
		return fault.WithHint(fault.New(fault.Invalid, "the account has no SDK configuration yet"), "push a pin configuration first: approov pin push")
	}
	if opts.Output == "" {
		_, err = fmt.Fprint(opts.IO.Out, out)
		return err
	}
	if err := os.WriteFile(opts.Output, []byte(out), 0o644); err != nil {
		return fault.New(fault.Invalid, "write %s: %w", opts.Output, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote version %d to %s\n", cfg.Version, opts.Output)
	return nil
}
