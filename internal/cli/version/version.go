// Package version implements `approov version`.
package version

import (
	"context"
	"fmt"

	"github.com/approov-cli/approov/internal/build"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/spf13/cobra"
)

// Options holds what `approov version` needs.
type Options struct {
	IO   *iostreams.IOStreams
	JSON *cmdutil.JSONFlags
	Info build.Info
}

// NewCmdVersion builds `approov version`; runF replaces the run function in tests.
func NewCmdVersion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of approov",
		Example: `  $ approov version
  $ approov version --json=version`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO = f.IOStreams
			opts.Info = build.Current()
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"version", "commit", "date", "go"})
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

func run(_ context.Context, opts *Options) error {
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, opts.Info)
	}
	fmt.Fprintf(opts.IO.Out, "approov %s\n", opts.Info.Version)
	if opts.Info.Commit != "" {
		fmt.Fprintf(opts.IO.Out, "commit %s", opts.Info.Commit)
		if opts.Info.Date != "" {
			fmt.Fprintf(opts.IO.Out, " (%s)", opts.Info.Date)
		}
		fmt.Fprintln(opts.IO.Out)
	}
	fmt.Fprintf(opts.IO.Out, "built with %s\n", opts.Info.Go)
	return nil
}
