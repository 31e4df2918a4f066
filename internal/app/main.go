// Package app runs the approov command line: it builds the Factory and the
// command tree, runs the command and turns its error into an exit code.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/approov-cli/approov/internal/cli/root"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/spf13/cobra"
)

// Exit codes of DESIGN §7; `approov help exit-codes` documents them.
const (
	ExitOK         = 0
	ExitError      = 1
	ExitUsage      = 2
	ExitConflict   = 3
	ExitAuth       = 4
	ExitPermission = 5
	ExitInvalid    = 6
	ExitNetwork    = 7
	ExitCancelled  = 130
)

// Main runs approov with the process's arguments and streams and returns the
// exit code. Ctrl-C cancels the command's context. The approov binary passes
// no options; test harnesses do.
func Main(opts ...Option) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return Run(ctx, iostreams.System(), os.Args[1:], opts...)
}

// Run executes one command line; tests call it in-process.
func Run(ctx context.Context, ios *iostreams.IOStreams, args []string, opts ...Option) int {
	f := newFactory(ios, opts...)
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	entered := false
	markEntry(cmd, &entered)
	ran, err := cmd.ExecuteContextC(ctx)
	if err != nil && !entered && fault.KindOf(err) == fault.Internal && !errors.Is(err, cmdutil.ErrSilent) {
		// cobra's own argument and flag checks return plain errors.
		err = fault.Wrap(fault.Usage, err)
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return report(ios.ErrOut, err, ran.CommandPath())
}

// markEntry wraps every command's RunE so Run can tell errors raised by cobra
// before the command started (usage errors) from errors of the command itself.
func markEntry(cmd *cobra.Command, entered *bool) {
	for _, c := range cmd.Commands() {
		markEntry(c, entered)
	}
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			*entered = true
			return run(c, args)
		}
	}
	if pre := cmd.PersistentPreRunE; pre != nil {
		cmd.PersistentPreRunE = func(c *cobra.Command, args []string) error {
			*entered = true
			return pre(c, args)
		}
	}
}

// report prints err (unless silent) and returns its exit code; cmdPath names
// the command that failed, for the usage hint.
func report(w io.Writer, err error, cmdPath string) int {
	if err == nil {
		return ExitOK
	}
	code := ExitCode(err)
	if errors.Is(err, cmdutil.ErrSilent) {
		return code
	}
	if code == ExitCancelled {
		fmt.Fprintln(w, "cancelled")
		return code
	}
	// Messages carry file names, subjects and answers from servers: their
	// control characters are escaped so none can fake or rewrite a line.
	fmt.Fprintf(w, "error: %s\n", safetext.Escape(err.Error()))
	if hint := fault.HintOf(err); hint != "" {
		fmt.Fprintf(w, "try: %s\n", safetext.Escape(hint))
	} else if code == ExitUsage {
		fmt.Fprintf(w, "try: %s --help\n", cmdPath)
	}
	return code
}

// ExitCode maps an error to the exit code of its kind: the one place where
// this mapping lives.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, context.Canceled) {
		return ExitCancelled
	}
	switch fault.KindOf(err) {
	case fault.Usage:
		return ExitUsage
	case fault.Conflict:
		return ExitConflict
	case fault.Auth:
		return ExitAuth
	case fault.Permission:
		return ExitPermission
	case fault.Invalid:
		return ExitInvalid
	case fault.Network:
		return ExitNetwork
	case fault.Cancelled:
		return ExitCancelled
	}
	return ExitError
}

// NewRootCommand builds the command tree on the given streams, for tools that
// generate documentation and completions from it.
func NewRootCommand(ios *iostreams.IOStreams) *cobra.Command {
	return root.NewCmdRoot(newFactory(ios))
}
