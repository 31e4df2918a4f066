package app

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/cli/measure"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/safetext"
)

// jsonFields are the top-level keys of appsig.Record.
var jsonFields = []string{"schema_version", "format", "verified", "problem", "file_name", "file_size", "file_sha256", "apk", "aab", "ipa"}

// InspectOptions holds what `approov app inspect` needs.
type InspectOptions struct {
	IO         *iostreams.IOStreams
	JSON       *cmdutil.JSONFlags
	Files      []string
	Unverified bool
	// Inspect measures one file; tests replace it.
	Inspect func(ctx context.Context, path string, opts appsig.Options) (*appsig.Record, error)
}

// NewCmdInspect builds `approov app inspect`; runF replaces the run function in tests.
func NewCmdInspect(f *cmdutil.Factory, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{Inspect: appsig.Inspect}
	cmd := &cobra.Command{
		Use:   "inspect <file>...",
		Short: "Verify an .apk, .aab or .ipa and print its measurement",
		Long: `Verify the signature of each app package and print its measurement: the
record that registering the build would send. The format is detected from the
content. Nothing is extracted to disk.

A file that fails verification prints the reason and makes the command exit
with status 6; its measurement is shown only with --unverified, and then marked
as unverified. With --json, one file gives one object and several files give
an array. The JSON schema is documented in docs/app-measurements.md.`,
		Example: `  $ approov app inspect app-release.apk
  $ approov app inspect app-release.aab --json
  $ approov app inspect build/*.apk --json=file_name,apk --jq '.[].apk.signers'
  $ approov app inspect suspicious.apk --unverified`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Files = f.IOStreams, args
			if err := opts.JSON.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runInspect(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Unverified, "unverified", false, "also print the measurement of a file that fails verification, marked as unverified (still exits 6)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, jsonFields)
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

// runInspect measures every file, prints what may be printed, and returns
// one Invalid error if any file failed.
func runInspect(ctx context.Context, opts *InspectOptions) error {
	var shown []*appsig.Record
	var failures []string
	for _, path := range opts.Files {
		rec, err := inspectOne(ctx, opts, path)
		if err != nil {
			if fault.KindOf(err) == fault.Cancelled {
				return err
			}
			failures = append(failures, fmt.Sprintf("%s: %v", path, err))
		}
		if rec != nil && (err == nil || opts.Unverified) {
			shown = append(shown, rec)
		}
	}
	if err := render(opts, shown); err != nil {
		return err
	}
	return failureError(opts, failures)
}

func inspectOne(ctx context.Context, opts *InspectOptions, path string) (*appsig.Record, error) {
	return measure.Measure(ctx, opts.IO, path, opts.Inspect)
}

func render(opts *InspectOptions, recs []*appsig.Record) error {
	if opts.JSON.Enabled() {
		if len(recs) == 0 {
			return nil
		}
		if len(opts.Files) == 1 {
			return opts.JSON.Write(opts.IO, recs[0])
		}
		return opts.JSON.Write(opts.IO, recs)
	}
	for i, r := range recs {
		if i > 0 {
			fmt.Fprintln(opts.IO.Out)
		}
		writeSummary(opts.IO, r)
	}
	return nil
}

// failureError is the command's error: the single failure itself, or a
// count after listing each failure on stderr.
func failureError(opts *InspectOptions, failures []string) error {
	switch len(failures) {
	case 0:
		return nil
	case 1:
		return fault.New(fault.Invalid, "%s", failures[0])
	}
	for _, f := range failures {
		fmt.Fprintf(opts.IO.ErrOut, "%s\n", safetext.Escape(f))
	}
	return fault.New(fault.Invalid, "%d of %d files failed verification", len(failures), len(opts.Files))
}
