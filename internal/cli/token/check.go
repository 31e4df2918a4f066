package token

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/apitoken"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// CheckOptions holds what `approov token check` needs.
type CheckOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags

	Token   string // "-": read from stdin
	Bind    string
	HasBind bool
}

// NewCmdCheck builds `approov token check`.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check <jwt|->",
		Short: "Check an Approov token and explain its claims",
		Long: `Check a token with the account secret, as an API backend must: the algorithm
is HS256 and nothing else (none, RS256, HS512… are refused), the kid when the
account has one, the signature, the expiry, and with --bind the pay binding.
Every header parameter and claim is explained. "-" reads the token from stdin.
Exits 6 when the token is not valid.`,
		Example: `  $ approov token check "$TOKEN"
  $ approov token example api.example.com | approov token check -
  $ approov token check "$TOKEN" --bind "Bearer abc" --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Token = f.IOStreams, f.Auth(), args[0]
			opts.HasBind = c.Flags().Changed("bind")
			if runF != nil {
				return runF(opts)
			}
			return runCheck(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Bind, "bind", "", "require the token to be bound to `DATA` (pay claim)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"valid", "problem", "expires_at", "expires_in_seconds", "binding", "header", "claims"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	tok, err := readToken(opts)
	if err != nil {
		return err
	}
	req := api.TokenCheckRequest{Token: tok}
	if opts.HasBind {
		req.Bind = []byte(opts.Bind)
	}
	rep, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (apitoken.Report, error) {
		return backend.Call(ctx, c.Backend, api.OpTokenCheck, c.Caller, req)
	})
	if err != nil {
		return err
	}
	if err := render(opts, rep); err != nil {
		return err
	}
	if !rep.Valid {
		return cmdutil.SilentError(fault.Invalid)
	}
	return nil
}

// readToken takes the argument, or stdin for "-" (bounded: a token is at
// most apitoken.MaxTokenSize bytes).
func readToken(opts *CheckOptions) (string, error) {
	if opts.Token != "-" {
		return strings.TrimSpace(opts.Token), nil
	}
	raw, err := io.ReadAll(io.LimitReader(opts.IO.In, apitoken.MaxTokenSize+2))
	if err != nil {
		return "", fault.Wrap(fault.Invalid, err)
	}
	if len(raw) > apitoken.MaxTokenSize+1 {
		return "", fault.New(fault.Invalid, "the token on stdin is longer than %d bytes", apitoken.MaxTokenSize)
	}
	return strings.TrimSpace(string(raw)), nil
}

func render(opts *CheckOptions, rep apitoken.Report) error {
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, rep)
	}
	w, cs := opts.IO.Out, opts.IO.ColorScheme()
	if rep.Valid {
		fmt.Fprintf(w, "%s valid token\n", cs.SuccessIcon())
	} else {
		fmt.Fprintf(w, "%s invalid token: %s\n", cs.FailureIcon(), safetext.Escape(rep.Problem))
	}
	section(w, "header", rep.Header)
	section(w, "claims", rep.Claims)
	if b, ok := bindingWords[rep.Binding]; ok {
		fmt.Fprintf(w, "binding: %s\n", b)
	}
	return nil
}

var bindingWords = map[apitoken.Binding]string{
	apitoken.NotBound:  "not bound to any data (no pay claim)",
	apitoken.Unchecked: "bound to data (pay claim), not checked: pass --bind DATA to check it",
	apitoken.Matches:   "bound to the data given with --bind",
	apitoken.Differs:   "bound to other data than the one given with --bind",
	apitoken.Missing:   "not bound to any data, but --bind was given",
}

func section(w io.Writer, title string, claims []apitoken.Claim) {
	if len(claims) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for _, c := range claims {
		fmt.Fprintf(w, "  %s = %s\n      %s\n", safetext.Escape(c.Name), safetext.Escape(c.Value), safetext.Escape(c.Meaning))
		if c.Note != "" {
			fmt.Fprintf(w, "      %s\n", safetext.Escape(c.Note))
		}
	}
}
