package secstrings

import (
	"bytes"
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
	"github.com/approov-cli/approov/internal/session/login"
)

// AddOptions holds what `approov secstrings add` needs.
type AddOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags

	Name       string
	ValueStdin bool
}

// NewCmdAdd builds `approov secstrings add`.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{}
	cmd := &cobra.Command{
		Use:   "add <name> --value-stdin",
		Short: "Set a runtime secret (its value from stdin)",
		Long: `Set a runtime secret, or a new value of one. The value is read from stdin
(one trailing newline is dropped), at most 2048 bytes of UTF-8; names are 1 to
64 of letters, digits, '.', '_' and '-'. Audited by name, never by value.`,
		Example: `  $ approov secstrings add maps-key --value-stdin < maps-key.txt
  $ approov secstrings add payments-key --value-stdin <<< "$PAYMENTS_KEY"`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Name = f.IOStreams, f.Auth(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return runAdd(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.ValueStdin, "value-stdin", false, "read the value from stdin (required: never from an argument)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, secFields)
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

// readValue reads at most one byte more than a value may have, so a longer
// input is refused rather than cut; the value is never quoted in an error.
func readValue(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, api.MaxSecStringValue+2))
	if err != nil {
		return "", fault.New(fault.Invalid, "cannot read the value from stdin")
	}
	b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	if len(b) == 0 || len(b) > api.MaxSecStringValue {
		return "", fault.New(fault.Usage, "the value on stdin must be 1 to %d bytes", api.MaxSecStringValue)
	}
	return string(b), nil
}

func runAdd(ctx context.Context, opts *AddOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	if !opts.ValueStdin {
		return cmdutil.FlagErrorf("give --value-stdin: a secret's value is never taken from an argument")
	}
	v, err := readValue(opts.IO.In)
	if err != nil {
		return err
	}
	s, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.SecString, error) {
		return backend.Call(ctx, c.Backend, api.OpSecStringsAdd, c.Caller, api.SecStringAddRequest{Name: opts.Name, Value: v})
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, s)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Set runtime secret %s\n", opts.IO.ErrColorScheme().SuccessIcon(), safetext.Escape(s.Name))
	return nil
}
