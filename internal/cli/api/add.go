package api

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	wire "github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// AddOptions holds what `approov api add` needs.
type AddOptions struct {
	IO       *iostreams.IOStreams
	Now      func() time.Time
	Auth     *login.Manager
	Prompter func() prompter.Prompter
	Service  *pins.CheckOptions // the embedded service's live check
	Live     cmdutil.LiveFlags
	JSON     *cmdutil.JSONFlags
	Domain   string
	NoToken  bool
	NoPins   bool
	PinType  string
	Yes      bool
}

// NewCmdAdd builds `approov api add`.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{}
	cmd := &cobra.Command{
		Use:   "add <domain> [--no-token] [--no-pins] [--pin-type leaf|intermediate|root] [--yes]",
		Short: "Add an API domain, pinned to its live chain",
		Long: `Read the domain's live verified chain, propose the pin (the leaf's key unless
--pin-type), name the account and ask for confirmation (--yes without a
terminal), then add the domain and its pin as a new version of the pin
configuration. The service checks the live chain itself, from where it runs.
Stage a backup pin for the next key next: approov pin rotate.`,
		Example: `  $ approov api add api.example.com
  $ approov api add api.example.com --pin-type intermediate --yes
  $ approov api add api.example.com --connect-to api.example.com=127.0.0.1:8443 --ca-file ca.pem --yes
  $ approov api add metrics.example.com --no-pins --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Now, opts.Auth, opts.Prompter, opts.Service = f.IOStreams, f.Now, f.Auth(), f.Prompter, f.Live
			opts.Domain = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runAdd(c.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.NoToken, "no-token", false, "do not add Approov tokens to the domain's requests")
	fs.BoolVar(&opts.NoPins, "no-pins", false, "do not pin the domain (tokens only)")
	fs.StringVar(&opts.PinType, "pin-type", "leaf", "pin the key of the `leaf`, intermediate or root certificate")
	fs.BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	cmdutil.AddLiveFlags(fs, &opts.Live)
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"version", "changes"})
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runAdd(ctx context.Context, opts *AddOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	name, err := pins.NormalizeHostname(opts.Domain)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	co, err := opts.Live.CheckOptions(opts.Now)
	if err != nil {
		return err
	}
	*opts.Service = co
	req := wire.APIAddRequest{Domain: name, NoToken: opts.NoToken, NoPins: opts.NoPins}
	proposal := "without pins"
	if !opts.NoPins {
		c, live, err := propose(ctx, name, co, pins.Position(opts.PinType), opts.Live.Net.CAFile)
		if err != nil {
			return err
		}
		req.Pins = []pins.PinEntry{{SHA256: c.Pin, Label: pins.Primary, Type: c.Type, Comment: c.Comment}}
		req.View = stage.ViewOf(live)
		proposal = fmt.Sprintf("pinned to %s %s (%s)", c.Type, c.Pin, c.Comment)
	}
	return opts.confirmAndAdd(ctx, req, proposal)
}

// propose reads the live chain and picks the pin at pos.
func propose(ctx context.Context, name string, co pins.CheckOptions, pos pins.Position, caFile string) (stage.Candidate, stage.Live, error) {
	live := stage.Probe(ctx, []string{name}, co)
	target, ok := co.ConnectTo[name]
	if !ok {
		target = pins.Target{Host: name, Port: 443}
	}
	fo := co.Fetch
	fo.ServerName = name
	c, _, err := stage.FromHost(ctx, target, fo, pos)
	return c, live, cmdutil.NotVerifiedHint(err, false, caFile)
}

func (opts *AddOptions) confirmAndAdd(ctx context.Context, req wire.APIAddRequest, proposal string) error {
	t, err := opts.Auth.Active(ctx)
	if err != nil {
		return err
	}
	account := safetext.Escape(t.Account.Name)
	fmt.Fprintf(opts.IO.ErrOut, "API domain %s for account %s: %s\n", req.Domain, account, safetext.Escape(proposal))
	if err := cmdutil.Confirm(opts.IO, opts.Prompter(), opts.Yes, fmt.Sprintf("Add %s to account %s?", req.Domain, account)); err != nil {
		return err
	}
	res, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (wire.PinPushResult, error) {
		return backend.Call(ctx, c.Backend, wire.OpAPIAdd, c.Caller, req)
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, res)
	}
	fmt.Fprintf(opts.IO.ErrOut, "added %s as version %d; stage a backup pin for its next key: approov pin pull && approov pin rotate %s --new-cert NEXT.pem\n", req.Domain, res.Version, req.Domain)
	return nil
}
