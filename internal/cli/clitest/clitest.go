// Package clitest builds the Factory and the streams that command tests run
// on, so that every command package tests against the same wiring.
package clitest

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/prompter/promptertest"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// Config chooses what the Factory gives. The zero Config is a run with no
// terminal, the real clock, no account and a prompter with no answers.
type Config struct {
	// TTY makes stdout and stderr terminals (colour stays off); stdin stays
	// a pipe, so nothing can be prompted unless a test sets it too.
	TTY bool
	// Now is the clock's fixed time; zero means time.Now.
	Now time.Time
	// Auth is the login manager commands get (logintest.LiveManager); nil
	// for tests that only parse flags.
	Auth *login.Manager
	// Prompter answers prompts; nil means a scripted prompter with no answers.
	Prompter prompter.Prompter
	// Role is the active role the root's role gate sees; empty means Auth's
	// active role, or none (an authentication error) without Auth.
	Role role.Role
}

// Streams are a test's standard streams and their buffers.
type Streams struct {
	IO              *iostreams.IOStreams
	In, Out, ErrOut *bytes.Buffer
}

// Factory returns a Factory wired as c says, and the streams it writes to.
func Factory(c Config) (*cmdutil.Factory, Streams) {
	ios, in, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(c.TTY)
	ios.SetStderrTTY(c.TTY)
	p := c.Prompter
	if p == nil {
		p = &promptertest.Scripted{}
	}
	f := &cmdutil.Factory{
		IOStreams:  ios,
		Now:        clock(c.Now),
		Auth:       func() *login.Manager { return c.Auth },
		Prompter:   func() prompter.Prompter { return p },
		ActiveRole: activeRole(c),
	}
	return f, Streams{IO: ios, In: in, Out: out, ErrOut: errOut}
}

func clock(at time.Time) func() time.Time {
	if at.IsZero() {
		return time.Now
	}
	return func() time.Time { return at }
}

func activeRole(c Config) func() (role.Role, error) {
	return func() (role.Role, error) {
		switch {
		case c.Role != "":
			return c.Role, nil
		case c.Auth != nil:
			return c.Auth.ActiveRole()
		}
		return "", fault.New(fault.Auth, "no active role")
	}
}

// Execute runs cmd with args as app.Run would, without printing: the
// error comes back to the test, and cobra's own output is discarded.
func Execute(cmd *cobra.Command, args ...string) error {
	if args == nil {
		args = []string{} // not nil: cobra would read os.Args
	}
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(context.Background())
}
