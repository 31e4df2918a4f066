package pin

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/approov-cli/approov/internal/api"
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

// StageOptions is what every staging command shares: the streams, the
// session manager, and where the staging area is.
type StageOptions struct {
	IO       *iostreams.IOStreams
	Now      func() time.Time
	Auth     *login.Manager
	Prompter func() prompter.Prompter
	// Live is the embedded service's live-check configuration, set from
	// the command's flags before connecting.
	Live *pins.CheckOptions
	File string
	// home returns the approov directory.
	home func() (string, error)
}

func (o *StageOptions) bind(f *cmdutil.Factory) {
	o.IO, o.Now, o.Auth, o.Prompter, o.Live = f.IOStreams, f.Now, f.Auth(), f.Prompter, f.Live
	o.home = func() (string, error) {
		s, err := f.Sessions()
		if err != nil {
			return "", err
		}
		return s.Dir(), nil
	}
}

func addStageFileFlag(fs *pflag.FlagSet, file *string) {
	fs.StringVarP(file, "file", "f", "", "keep the staging area in pin-set `file` (its base beside it, FILE.base) instead of ~/.approov")
}

// staging opens the staging area of the active account.
func (o *StageOptions) staging(ctx context.Context) (*Staging, login.Target, error) {
	t, err := o.Auth.Active(ctx)
	if err != nil {
		return nil, t, err
	}
	home, err := o.home()
	if err != nil {
		return nil, t, err
	}
	return &Staging{Home: home, File: o.File, Account: t.Account.ID, Warnf: o.IO.Warnf}, t, nil
}

// pull fetches the backend's current pin configuration.
func (o *StageOptions) pull(ctx context.Context) (api.PinConfig, error) {
	return login.Call(ctx, o.Auth, func(ctx context.Context, c login.Conn) (api.PinConfig, error) {
		return backend.Call(ctx, c.Backend, api.OpPinPull, c.Caller, api.Empty{})
	})
}

// show fetches version v of the pin configuration.
func (o *StageOptions) show(ctx context.Context, v uint64) (*pins.PinSet, error) {
	cfg, err := login.Call(ctx, o.Auth, func(ctx context.Context, c login.Conn) (api.PinConfig, error) {
		return backend.Call(ctx, c.Backend, api.OpPinShow, c.Caller, api.PinShowRequest{Version: v})
	})
	return withVersion(cfg), err
}

func withVersion(cfg api.PinConfig) *pins.PinSet {
	set := stage.Clone(cfg.Set)
	set.BaseVersion = cfg.Version
	return set
}

// edit runs fn on the working copy and prints what changed.
func (o *StageOptions) edit(ctx context.Context, fn func(work *pins.PinSet) (stage.Edit, error)) error {
	st, _, err := o.staging(ctx)
	if err != nil {
		return err
	}
	var e stage.Edit
	err = st.Update(ctx, func(s *Staged) error {
		e, err = fn(s.Work)
		if err == nil {
			s.Work = e.Set
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, n := range e.Notes {
		fmt.Fprintln(o.IO.ErrOut, safetext.Escape(n))
	}
	printLines(o.IO, e.Diff.Lines())
	return nil
}

func printLines(ios *iostreams.IOStreams, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(ios.Out, safetext.Escape(l))
	}
}

// stagingCmd sets what every staging command has: roles, --file, binding.
func stagingCmd(f *cmdutil.Factory, cmd *cobra.Command, o *StageOptions, roles ...role.Role) {
	if len(roles) == 0 {
		roles = []role.Role{role.Admin, role.Dev}
	}
	addStageFileFlag(cmd.Flags(), &o.File)
	cmdutil.RequireRoles(cmd, roles...)
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		o.bind(f)
		return run(c, args)
	}
}
