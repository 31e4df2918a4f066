package pin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins/stage"
)

// PullOptions holds what `approov pin pull` needs.
type PullOptions struct {
	StageOptions
	Discard bool
}

// NewCmdPull builds `approov pin pull`.
func NewCmdPull(f *cmdutil.Factory, runF func(*PullOptions) error) *cobra.Command {
	opts := &PullOptions{}
	cmd := &cobra.Command{
		Use:   "pull",
		Short: "Fetch the account's pin configuration into the staging area",
		Long: `Fetch the current version of the account's pin configuration and make it both
the base and the working copy of the staging area. Staged changes are never
thrown away silently: with changes staged, pull refuses unless --discard
(use approov pin rebase to keep them).`,
		Example: `  $ approov pin pull
  $ approov pin pull --file pins.json
  $ approov pin pull --discard`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runPull(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Discard, "discard", false, "throw away staged changes")
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runPull(ctx context.Context, opts *PullOptions) error {
	cfg, err := opts.pull(ctx)
	if err != nil {
		return err
	}
	st, _, err := opts.staging(ctx)
	if err != nil {
		return err
	}
	err = st.Update(ctx, func(s *Staged) error {
		if d := stage.Compare(s.Base, s.Work); !d.Empty() && !opts.Discard && !stage.Equal(s.Work, cfg.Set) {
			return fault.WithHint(fault.New(fault.Conflict, "%d domain(s) have staged changes on version %d", len(d.Domains), s.Base.BaseVersion),
				"approov pin rebase keeps them on the new version; approov pin pull --discard drops them")
		}
		s.Base, s.Work = withVersion(cfg), withVersion(cfg)
		return nil
	})
	if err == nil {
		fmt.Fprintf(opts.IO.ErrOut, "pulled version %d (%d domains)\n", cfg.Version, len(cfg.Set.Domains))
	}
	return err
}
