package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestExitCodeForEveryKind(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", errors.New("boom"), 1},
		{"internal", fault.New(fault.Internal, "x"), 1},
		{"usage", fault.New(fault.Usage, "x"), 2},
		{"flag error", cmdutil.FlagErrorf("bad flag"), 2},
		{"conflict", fault.New(fault.Conflict, "x"), 3},
		{"auth", fault.New(fault.Auth, "x"), 4},
		{"permission", fault.New(fault.Permission, "x"), 5},
		{"invalid", fault.New(fault.Invalid, "x"), 6},
		{"network", fault.New(fault.Network, "x"), 7},
		{"cancelled kind", fault.New(fault.Cancelled, "x"), 130},
		{"context cancelled", fmt.Errorf("read: %w", context.Canceled), 130},
		{"wrapped kind", fmt.Errorf("outer: %w", fault.New(fault.Invalid, "inner")), 6},
		{"hint keeps kind", fault.WithHint(fault.New(fault.Auth, "x"), "approov init"), 4},
		{"silent keeps kind", cmdutil.SilentError(fault.Network), 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestReportPrintsErrorAndHint(t *testing.T) {
	var b strings.Builder
	code := report(&b, fault.WithHint(fault.New(fault.Auth, "no session"), "approov init <code>"), "approov users list")
	if code != 4 {
		t.Fatalf("code = %d", code)
	}
	if want := "error: no session\ntry: approov init <code>\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestReportSilentPrintsNothing(t *testing.T) {
	var b strings.Builder
	if code := report(&b, cmdutil.SilentError(fault.Network), "approov"); code != 7 || b.Len() != 0 {
		t.Errorf("code %d, output %q", code, b.String())
	}
}

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"no-such-command"}, 2, "try: approov --help"},
		{[]string{"version", "--no-such-flag"}, 2, "try: approov version --help"},
		{[]string{"version", "extra-arg"}, 2, "try: approov version --help"},
		{[]string{"completion", "tcsh"}, 2, `invalid argument "tcsh"`},
		{[]string{"version", "--json=nosuchfield"}, 2, "available fields: commit, date, go, version"},
		{[]string{"version"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			code := Run(context.Background(), ios, tt.args)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", errOut.String(), tt.wantErr)
			}
		})
	}
}

func TestRunCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ios, _, _, errOut := iostreams.Test()
	if code := Run(ctx, ios, []string{"version"}); code != 130 {
		t.Errorf("exit %d, want 130 (stderr %q)", code, errOut.String())
	}
}

// walkTree visits every command below root with its argument path.
func walkTree(cmd *cobra.Command, path []string, visit func(*cobra.Command, []string)) {
	for _, c := range cmd.Commands() {
		p := append(append([]string(nil), path...), c.Name())
		visit(c, p)
		walkTree(c, p, visit)
	}
}

// Every command group refuses an unknown subcommand with exit 2 and says so;
// `approov users frobnicate` used to print help and exit 0 (issue 8, defect 7).
func TestEveryGroupRefusesUnknownSubcommands(t *testing.T) {
	groups := [][]string{nil}
	walkTree(NewRootCommand(iostreams.System()), nil, func(c *cobra.Command, p []string) {
		if c.HasSubCommands() {
			groups = append(groups, p)
		}
	})
	if len(groups) < 4 {
		t.Fatalf("found only %d command groups", len(groups))
	}
	for _, g := range groups {
		ios, _, out, errOut := iostreams.Test()
		args := append(append([]string(nil), g...), "frobnicate")
		if code := Run(context.Background(), ios, args); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
			t.Errorf("approov %s: exit %d, stderr %q, stdout %.40q; want exit 2 and unknown command", strings.Join(args, " "), code, errOut, out)
		}
		if len(g) == 0 {
			continue
		}
		ios, _, out, _ = iostreams.Test()
		if code := Run(context.Background(), ios, g); code != 0 || !strings.Contains(out.String(), "Usage:") {
			t.Errorf("approov %s alone: exit %d, want its help and exit 0", strings.Join(g, " "), code)
		}
	}
	ios, _, _, errOut := iostreams.Test()
	if Run(context.Background(), ios, []string{"pin", "extrac"}); !strings.Contains(errOut.String(), "(did you mean extract?)") {
		t.Errorf("no suggestion for a near miss: %q", errOut)
	}
}

// A switch given a value is a usage error that never repeats the value:
// `--password-stdin=hunter2` echoed it (issue 8, defect 6). Every bool flag
// of the tree is tried.
func TestSwitchWithValueNeverEchoesIt(t *testing.T) {
	const secret = "s3cret-Value"
	tried := 0
	walkTree(NewRootCommand(iostreams.System()), nil, func(c *cobra.Command, p []string) {
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			if fl.Value.Type() != "bool" || fl.Name == "help" && tried > 0 {
				return
			}
			tried++
			ios, _, out, errOut := iostreams.Test()
			args := append(append([]string(nil), p...), "--"+fl.Name+"="+secret)
			code := Run(context.Background(), ios, args)
			if code != 2 || strings.Contains(errOut.String()+out.String(), secret) || !strings.Contains(errOut.String(), "takes no value") {
				t.Errorf("approov %s: exit %d, stderr %q; want exit 2 without the value", strings.Join(args, " "), code, errOut)
			}
		})
	})
	if tried < 5 {
		t.Fatalf("only %d switches tried", tried)
	}
}
