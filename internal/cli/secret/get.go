package secret

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// GetOptions holds what `approov secret get` needs.
type GetOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags

	Encoding string
	Plain    bool
}

// encodings are the forms the secret is printed in.
var encodings = map[string]func([]byte) string{
	"base64":    base64.StdEncoding.EncodeToString,
	"base64url": base64.RawURLEncoding.EncodeToString,
	"raw-hex":   hex.EncodeToString,
}

// NewCmdGet builds `approov secret get`.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{}
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Print the account's token secret",
		Long: `Print the account's HS256 token secret, to configure an API backend that
verifies Approov tokens. --plain prints the value alone, for $(…); otherwise a
labelled line with its encoding and kid. The read is audited (never the value).`,
		Example: `  $ approov secret get
  $ approov secret get --plain --encoding base64url
  $ approov secret get --plain --encoding raw-hex > backend-secret.hex`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runGet(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Encoding, "encoding", "base64", "base64, base64url (unpadded) or raw-hex")
	cmd.Flags().BoolVar(&opts.Plain, "plain", false, "print the value alone")
	_ = cmd.RegisterFlagCompletionFunc("encoding", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"base64", "base64url", "raw-hex"}, cobra.ShellCompDirectiveNoFileComp
	})
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"secret", "encoding", "kid", "rotated_at"})
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

// shown is the secret as --json prints it.
type shown struct {
	Secret    string    `json:"secret"`
	Encoding  string    `json:"encoding"`
	KeyID     string    `json:"kid"`
	RotatedAt time.Time `json:"rotated_at,omitzero"`
}

func runGet(ctx context.Context, opts *GetOptions) error {
	enc, ok := encodings[opts.Encoding]
	if !ok {
		return cmdutil.FlagErrorf("--encoding %q: want base64, base64url or raw-hex", opts.Encoding)
	}
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	s, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.TokenSecret, error) {
		return backend.Call(ctx, c.Backend, api.OpSecretGet, c.Caller, api.Empty{})
	})
	if err != nil {
		return err
	}
	value := enc(s.Secret)
	switch {
	case opts.JSON.Enabled():
		return opts.JSON.Write(opts.IO, shown{Secret: value, Encoding: opts.Encoding, KeyID: s.KeyID, RotatedAt: s.RotatedAt})
	case opts.Plain:
		_, err = fmt.Fprintln(opts.IO.Out, value)
	default:
		_, err = fmt.Fprintf(opts.IO.Out, "secret (%s, kid %s): %s\n", opts.Encoding, kidText(s.KeyID), value)
	}
	return err
}

func kidText(kid string) string {
	if kid == "" {
		return "none"
	}
	return safetext.Escape(kid)
}
