package pin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
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
network: what approov pin push would send.`,
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
