package sdk

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/userfile"
)

// VerifyOptions holds what `approov sdk verify` needs.
type VerifyOptions struct {
	IO         *iostreams.IOStreams
	Auth       func() *login.Manager
	JSON       *cmdutil.JSONFlags
	File       string
	PublicKey  string
	MinVersion uint64
}

// NewCmdVerify builds `approov sdk verify`.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify <file> [--public-key FILE] [--min-version N]",
		Short: "Verify a signed SDK configuration and print its content",
		Long: `Check a configuration as an app does: ES256 only, the signature against the
public key (--public-key FILE, else the account's, fetched from the backend),
the content, and that its version is not older than --min-version (a
rollback). Prints the account, version and domains; exit 6 when it fails.`,
		Example: `  $ approov sdk verify config.jwt --public-key config-key.pem
  $ approov sdk verify config.jwt --public-key config-key.pem --min-version 4`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.File = f.IOStreams, f.Auth, args[0]
			if runF != nil {
				return runF(opts)
			}
			return runVerify(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.PublicKey, "public-key", "", "verify with the PEM public key in `file` (default: the account's)")
	cmd.Flags().Uint64Var(&opts.MinVersion, "min-version", 0, "refuse a configuration older than version `N`")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"account", "version", "issued_at", "domains", "pinning_disabled"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runVerify(ctx context.Context, opts *VerifyOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	token, err := readBounded(opts.File, sdkconfig.MaxConfigSize)
	if err != nil {
		return err
	}
	pem, err := opts.publicKey(ctx)
	if err != nil {
		return err
	}
	pub, err := sdkconfig.ParsePublicKey(pem)
	if err != nil {
		return err
	}
	c, err := sdkconfig.Verify(string(token), pub, sdkconfig.VerifyOptions{MinVersion: opts.MinVersion})
	if err != nil {
		return fault.New(fault.Invalid, "%s: %w", opts.File, err)
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, c)
	}
	return printConfig(opts.IO, c)
}

func (opts *VerifyOptions) publicKey(ctx context.Context) ([]byte, error) {
	if opts.PublicKey != "" {
		return readBounded(opts.PublicKey, sdkconfig.MaxPublicKeySize)
	}
	cfg, err := login.Call(ctx, opts.Auth(), func(ctx context.Context, c login.Conn) (api.SDKConfig, error) {
		return backend.Call(ctx, c.Backend, api.OpSDKConfig, c.Caller, api.SDKConfigRequest{})
	})
	return []byte(cfg.PublicKey), err
}

func readBounded(path string, max int) ([]byte, error) {
	f, err := userfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err == nil && len(data) > max {
		err = fault.New(fault.Invalid, "%s is larger than %d bytes", path, max)
	}
	return data, err
}

func printConfig(ios *iostreams.IOStreams, c sdkconfig.Config) error {
	fmt.Fprintf(ios.Out, "valid configuration of account %s, version %d, issued %s\n", safetext.Escape(c.Account), c.Version, c.IssuedAt.Format("2006-01-02T15:04:05Z"))
	for _, d := range c.Domains {
		fmt.Fprintf(ios.Out, "  %s token=%t pinning=%t pins=%d\n", safetext.Escape(d.Name), d.Token, d.Pinning, len(d.Pins))
		for _, p := range d.Pins {
			fmt.Fprintf(ios.Out, "    %s\n", p.OkHttp())
		}
	}
	return nil
}
