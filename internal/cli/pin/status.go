package pin

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins/stage"
)

// StatusOptions holds what `approov pin status` needs.
type StatusOptions struct {
	StageOptions
	JSON *cmdutil.JSONFlags
}

// statusView is the --json answer of pin status.
type statusView struct {
	BaseVersion uint64     `json:"base_version"`
	Domains     int        `json:"domains"`
	Changes     stage.Diff `json:"changes"`
}

// NewCmdStatus builds `approov pin status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what a push would send: staged changes against the base version",
		Long: `Compare the working copy with the version it was pulled at, without the
network: what approov pin push would send.

After a push whose answer never came back (approovd died or the connection
broke mid-push: push exits 7 saying it may or may not have taken effect),
status first asks the service which it was, says so, and brings the
staging area up to date: the push took effect (its version becomes the
base) or it did not (push again).`,
		Example: `  $ approov pin status
  $ approov pin status --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runStatus(c.Context(), opts)
		},
	}
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"base_version", "domains", "changes"})
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runStatus(ctx context.Context, opts *StatusOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	st, _, err := opts.staging(ctx)
	if err != nil {
		return err
	}
	s, err := st.Load()
	if err != nil {
		return err
	}
	if s.Unconfirmed != nil {
		if s, err = opts.settle(ctx, st); err != nil {
			return err
		}
	}
	d := stage.Compare(s.Base, s.Work)
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, statusView{BaseVersion: s.Base.BaseVersion, Domains: len(s.Work.Domains), Changes: d})
	}
	if d.Empty() {
		fmt.Fprintf(opts.IO.Out, "on version %d, %d domains: nothing staged\n", s.Base.BaseVersion, len(s.Work.Domains))
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "on version %d: %d domain(s) changed, to push:\n", s.Base.BaseVersion, len(d.Domains))
	printLines(opts.IO, d.Lines())
	return nil
}

// settle asks the service about the unconfirmed push: it took effect when
// the latest version is newer than its base and holds the set it sent
// (that set then becomes the base), it did not when the latest version is
// still its base. Anything else is someone else's push since.
func (opts *StatusOptions) settle(ctx context.Context, st *Staging) (*Staged, error) {
	cfg, err := opts.pull(ctx)
	if err != nil {
		return nil, fault.WithHint(err, "the outcome of the last push is still unknown: run approov pin status again once the service answers")
	}
	var out *Staged
	err = st.Update(ctx, func(s *Staged) error {
		if u := s.Unconfirmed; u != nil {
			fmt.Fprintln(opts.IO.ErrOut, settleUnconfirmed(s, u, cfg)) // stderr: stdout stays the status (or its JSON)
		}
		s.Unconfirmed, out = nil, s
		return nil
	})
	return out, err
}

// settleUnconfirmed updates s from the service's latest version and says
// what became of push u.
func settleUnconfirmed(s *Staged, u *UnconfirmedPush, cfg api.PinConfig) string {
	switch {
	case cfg.Version > u.BaseVersion && stage.Equal(cfg.Set, u.Set):
		if stage.Equal(s.Work, u.Set) {
			s.Work = withVersion(cfg)
		}
		s.Base = withVersion(cfg)
		return fmt.Sprintf("the push of %s took effect: it is version %d", u.At.Format(time.RFC3339), cfg.Version)
	case cfg.Version == u.BaseVersion:
		return fmt.Sprintf("the push of %s did not take effect: version %d is still the latest; push again", u.At.Format(time.RFC3339), cfg.Version)
	}
	return fmt.Sprintf("the push of %s was based on version %d; the service is now at version %d, which is not the set it sent: approov pin log shows whether one of the versions since is it; then approov pin rebase",
		u.At.Format(time.RFC3339), u.BaseVersion, cfg.Version)
}
