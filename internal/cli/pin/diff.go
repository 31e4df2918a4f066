package pin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/safetext"
)

// DiffOptions holds what `approov pin diff` needs.
type DiffOptions struct {
	StageOptions
	Live    cmdutil.LiveFlags
	Offline bool
}

// NewCmdDiff builds `approov pin diff`.
func NewCmdDiff(f *cmdutil.Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{}
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Compare the staged set with the backend and with the live endpoints",
		Long: `Show how the working copy differs from the backend's current version (which
may be newer than your base), then check it against the live chains of the
domains it changes: which domains a push would break, and why.

Exit status: 6 when a push would break a rule.`,
		Example: `  $ approov pin diff
  $ approov pin diff --connect-to api.example.com=127.0.0.1:8443 --ca-file ca.pem
  $ approov pin diff --offline`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runDiff(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "do not check the live endpoints")
	cmdutil.AddLiveFlags(cmd.Flags(), &opts.Live)
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runDiff(ctx context.Context, opts *DiffOptions) error {
	co, err := opts.Live.CheckOptions(opts.Now)
	if err != nil {
		return err
	}
	cfg, err := opts.pull(ctx)
	if err != nil {
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
	backendSet := withVersion(cfg)
	d := stage.Compare(backendSet, s.Work)
	fmt.Fprintf(opts.IO.Out, "staged (based on version %d) against the backend's version %d:\n", s.Base.BaseVersion, cfg.Version)
	if d.Empty() {
		fmt.Fprintln(opts.IO.Out, "  no difference")
	}
	for _, l := range d.Lines() {
		fmt.Fprintln(opts.IO.Out, "  "+safetext.Escape(l))
	}
	var live stage.Live
	if !opts.Offline {
		live = stage.Probe(ctx, stage.NeedsLive(backendSet, s.Work), co)
	}
	vs := stage.CheckInvariants(backendSet, s.Work, live, opts.Now())
	if len(vs) == 0 {
		fmt.Fprintln(opts.IO.Out, "a push would break no rule")
		return nil
	}
	fmt.Fprintln(opts.IO.Out, "a push would break:")
	for _, v := range vs {
		fmt.Fprintln(opts.IO.Out, "  "+safetext.Escape(v.String()))
	}
	return stage.ViolationError(vs)
}
