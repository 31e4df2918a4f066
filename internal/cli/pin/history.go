package pin

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

// NewCmdRebase builds `approov pin rebase`.
func NewCmdRebase(f *cmdutil.Factory, runF func(*StageOptions) error) *cobra.Command {
	opts := &StageOptions{}
	cmd := &cobra.Command{
		Use:   "rebase",
		Short: "Move staged changes onto the backend's current version",
		Long: `Fetch the current version and merge three ways: the changes pushed since your
base and your staged changes, when they touch different domains or pins.
A real conflict (both sides changed the same pin or option differently)
stops the rebase, naming it, and leaves the staging area as it was.`,
		Example: `  $ approov pin rebase && approov pin push`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runRebase(c.Context(), opts)
		},
	}
	stagingCmd(f, cmd, opts)
	return cmd
}

func runRebase(ctx context.Context, opts *StageOptions) error {
	cfg, err := opts.pull(ctx)
	if err != nil {
		return err
	}
	st, _, err := opts.staging(ctx)
	if err != nil {
		return err
	}
	theirs := withVersion(cfg)
	var from uint64
	err = st.Update(ctx, func(s *Staged) error {
		merged, cs := stage.Merge(s.Base, theirs, s.Work)
		if len(cs) > 0 {
			return fault.WithHint(stage.ConflictError(cs), "edit the staged set, or approov pin pull --discard to start again from the current version")
		}
		from, s.Base, s.Work = s.Base.BaseVersion, theirs, merged
		return nil
	})
	if err == nil {
		fmt.Fprintf(opts.IO.ErrOut, "rebased from version %d onto version %d\n", from, cfg.Version)
	}
	return err
}

// LogOptions holds what `approov pin log` needs.
type LogOptions struct {
	StageOptions
	JSON  *cmdutil.JSONFlags
	Limit int
}

// NewCmdLog builds `approov pin log`.
func NewCmdLog(f *cmdutil.Factory, runF func(*LogOptions) error) *cobra.Command {
	opts := &LogOptions{}
	cmd := &cobra.Command{
		Use:   "log",
		Short: "List the versions of the pin configuration",
		Long:  `List the pushed versions, newest first: who pushed, when, why, whether rules were overridden, and what changed.`,
		Example: `  $ approov pin log
  $ approov pin log --limit 5 --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runLog(c.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "show at most `n` versions (0: all)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"version", "time", "user", "role", "reason", "forced", "summary", "domains"})
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runLog(ctx context.Context, opts *LogOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	vs, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) ([]api.PinVersion, error) {
		return backend.Call(ctx, c.Backend, api.OpPinLog, c.Caller, api.PinLogRequest{Limit: opts.Limit})
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, vs)
	}
	tp := tableprinter.New(opts.IO, "VERSION", "TIME", "USER", "FORCED", "REASON", "SUMMARY")
	for _, v := range vs {
		forced := "no"
		if v.Forced {
			forced = "yes"
		}
		tp.AddRow(strconv.FormatUint(v.Version, 10), v.Time, v.User, forced, v.Reason, v.Summary)
	}
	return tp.Render()
}

// ShowOptions holds what `approov pin show` and `approov pin revert` need.
type ShowOptions struct {
	StageOptions
	Version uint64
}

// NewCmdShow builds `approov pin show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{}
	cmd := &cobra.Command{
		Use:   "show --version N",
		Short: "Print a version of the pin configuration as a pin-set file",
		Long:  `Print the content of a pushed version in the pin-set format (docs/pinset.md).`,
		Example: `  $ approov pin show --version 3
  $ approov pin show --version 3 > pins-v3.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runShow(c.Context(), opts)
		},
	}
	cmd.Flags().Uint64Var(&opts.Version, "version", 0, "the version `N` to print (required)")
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runShow(ctx context.Context, opts *ShowOptions) error {
	if opts.Version == 0 {
		return cmdutil.FlagErrorf("--version N is required (1 or later)")
	}
	set, err := opts.show(ctx, opts.Version)
	if err != nil {
		return err
	}
	return writeSet(opts, set)
}

func writeSet(opts *ShowOptions, set *pins.PinSet) error {
	data, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s\n", data)
	return err
}

// NewCmdRevert builds `approov pin revert`.
func NewCmdRevert(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{}
	cmd := &cobra.Command{
		Use:   "revert <version>",
		Short: "Stage the content of an older version",
		Long: `Replace the working copy with the content of a pushed version, keeping the
current base: pushing it makes a new version with the old content (after the
same invariant checks as any push).`,
		Example: `  $ approov pin revert 3 && approov pin status && approov pin push --reason "back to v3"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			v, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || v == 0 {
				return cmdutil.FlagErrorf("version %q: want a number, 1 or later", args[0])
			}
			opts.Version = v
			if runF != nil {
				return runF(opts)
			}
			return runRevert(c.Context(), opts)
		},
	}
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runRevert(ctx context.Context, opts *ShowOptions) error {
	old, err := opts.show(ctx, opts.Version)
	if err != nil {
		return err
	}
	return opts.edit(ctx, func(work *pins.PinSet) (stage.Edit, error) {
		return stage.Revert(work, old)
	})
}
