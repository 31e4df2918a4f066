package pin

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// PushOptions holds what `approov pin push` needs.
type PushOptions struct {
	StageOptions
	Live   cmdutil.LiveFlags
	JSON   *cmdutil.JSONFlags
	Reason string
	Force  bool
	Yes    bool
}

// NewCmdPush builds `approov pin push`.
func NewCmdPush(f *cmdutil.Factory, runF func(*PushOptions) error) *cobra.Command {
	opts := &PushOptions{}
	cmd := &cobra.Command{
		Use:   "push [--reason TEXT] [--force --yes]",
		Short: "Send the staged pin set as the account's next version",
		Long: `Check the staged set against the push invariants with this machine's live
view (every changed domain keeps a pin matching its live chain, no domain
loses its last backup pin, no invalid or expired pin set), then send it with
its base version and that live view. The service accepts it only if the base
is still the current version and its own live view agrees; the new version
gets a new signed SDK configuration.

Exit status: 3 when someone pushed first (a three-way summary follows: run
approov pin rebase, then push again); 6 when a rule is broken, naming each
domain and why. --force --yes --reason TEXT overrides broken rules; the
audit log keeps the reason.`,
		Example: `  $ approov pin push --reason "stage the 2027 key"
  $ approov pin push --connect-to api.example.com=127.0.0.1:8443 --ca-file ca.pem
  $ approov pin push --force --yes --reason "CDN migration, old edge retired"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runPush(c.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Reason, "reason", "", "why: kept in the pin log and the audit log (required with --force)")
	fs.BoolVar(&opts.Force, "force", false, "push even though rules are broken (needs --yes and --reason)")
	fs.BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	cmdutil.AddLiveFlags(fs, &opts.Live)
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"version", "changes", "forced", "overridden"})
	stagingCmd(f, cmd, &opts.StageOptions, role.Admin)
	return cmd
}

func runPush(ctx context.Context, opts *PushOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	if opts.Force && opts.Reason == "" {
		return cmdutil.FlagErrorf("--force needs --reason TEXT: the audit log keeps why rules were overridden")
	}
	co, err := opts.Live.CheckOptions(opts.Now)
	if err != nil {
		return err
	}
	*opts.liveTarget() = co
	st, t, err := opts.staging(ctx)
	if err != nil {
		return err
	}
	s, err := st.Load()
	if err != nil {
		return err
	}
	if stage.Compare(s.Base, s.Work).Empty() {
		fmt.Fprintf(opts.IO.ErrOut, "nothing staged on version %d: nothing to push\n", s.Base.BaseVersion)
		return nil
	}
	live := stage.Probe(ctx, stage.NeedsLive(s.Base, s.Work), co)
	if err := opts.preflight(s, live, t.Account.ID); err != nil {
		return err
	}
	res, err := opts.send(ctx, s, live)
	if errors.Is(err, backend.ErrNoAnswer) {
		return opts.unconfirmed(ctx, st, s, err)
	}
	if err != nil {
		return opts.explain(ctx, s, err)
	}
	return opts.accepted(ctx, st, s, res)
}

// liveTarget is where the embedded service reads its live-check configuration.
func (o *StageOptions) liveTarget() *pins.CheckOptions {
	if o.Live == nil {
		o.Live = new(pins.CheckOptions)
	}
	return o.Live
}

// preflight applies the invariants with this machine's live view.
func (opts *PushOptions) preflight(s *Staged, live stage.Live, account string) error {
	vs := stage.CheckInvariants(s.Base, s.Work, live, opts.Now())
	if len(vs) == 0 {
		return nil
	}
	if !opts.Force {
		return fault.WithHint(stage.ViolationError(vs), "approov pin diff shows what breaks; --force --yes --reason TEXT overrides")
	}
	for _, v := range vs {
		opts.IO.Warnf("overriding: %s", v.String())
	}
	return cmdutil.Confirm(opts.IO, opts.Prompter(), opts.Yes,
		fmt.Sprintf("Push to account %s although %d rule(s) are broken?", safetext.Escape(account), len(vs)))
}

func (opts *PushOptions) send(ctx context.Context, s *Staged, live stage.Live) (api.PinPushResult, error) {
	req := api.PinPushRequest{BaseVersion: s.Base.BaseVersion, Set: s.Work, View: stage.ViewOf(live), Reason: opts.Reason, Force: opts.Force}
	return login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.PinPushResult, error) {
		return backend.Call(ctx, c.Backend, api.OpPinPush, c.Caller, req)
	})
}

// unconfirmed keeps a push whose answer never came back in the staging
// area, for pin status to ask the service about, and says so. The push
// carried an idempotency key, but a later push is a new request: running
// it again before knowing could apply the set twice as two versions.
func (opts *PushOptions) unconfirmed(ctx context.Context, st *Staging, pushed *Staged, err error) error {
	if st.File != "" {
		return fault.WithHint(err, fmt.Sprintf("approov pin log shows whether version %d is this push", pushed.Base.BaseVersion+1))
	}
	u := &UnconfirmedPush{At: opts.Now().UTC(), BaseVersion: pushed.Base.BaseVersion, Set: stage.Clone(pushed.Work)}
	if serr := st.Update(ctx, func(s *Staged) error { s.Unconfirmed = u; return nil }); serr != nil {
		return errors.Join(err, serr)
	}
	return fault.WithHint(err, "approov pin status asks the service whether the push took effect; do not push again before")
}

// explain prints the three-way summary of a push that lost the race.
func (opts *PushOptions) explain(ctx context.Context, s *Staged, err error) error {
	if fault.KindOf(err) != fault.Conflict {
		return err
	}
	cfg, perr := opts.pull(ctx)
	if perr != nil {
		return errors.Join(err, perr)
	}
	for _, l := range stage.Summarize(s.Base, withVersion(cfg), s.Work).Lines() {
		fmt.Fprintln(opts.IO.ErrOut, safetext.Escape(l))
	}
	return err
}

// accepted makes the pushed set the new base of the staging area.
func (opts *PushOptions) accepted(ctx context.Context, st *Staging, pushed *Staged, res api.PinPushResult) error {
	err := st.Update(ctx, func(s *Staged) error {
		if !stage.Equal(s.Work, pushed.Work) {
			// Edited while we pushed: keep the edits on the pushed base.
			s.Base = stage.Clone(pushed.Work)
		} else {
			s.Base, s.Work = stage.Clone(pushed.Work), stage.Clone(pushed.Work)
		}
		s.Base.BaseVersion = res.Version
		return nil
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, res)
	}
	fmt.Fprintf(opts.IO.ErrOut, "pushed version %d\n", res.Version)
	printLines(opts.IO, res.Changes)
	return nil
}
