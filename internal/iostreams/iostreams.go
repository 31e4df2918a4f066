// Package iostreams carries the standard streams of one command run and what
// is known about them: whether each is a terminal, whether colour is wanted,
// whether the user can be prompted. Commands never touch os.Stdout directly.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/approov-cli/approov/internal/safetext"
)

// IOStreams holds stdin, stdout (data) and stderr (messages).
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorEnabled, errColorEnabled  bool
	neverPrompt                    bool
	termWidth                      func() int
}

// System returns the process's streams, probing which are terminals and
// reading the colour and prompt conventions from the environment.
func System() *IOStreams { return fromFiles(os.Stdin, os.Stdout, os.Stderr, os.Getenv) }

// fromFiles probes the given files. Stdout and stderr decide colour each for
// itself: a redirected stdout leaves a terminal stderr its colour and icons.
func fromFiles(in, out, errOut *os.File, getenv func(string) string) *IOStreams {
	s := &IOStreams{
		In:        in,
		Out:       out,
		ErrOut:    errOut,
		stdinTTY:  isTerminal(in),
		stdoutTTY: isTerminal(out),
		stderrTTY: isTerminal(errOut),
	}
	s.colorEnabled = colorWanted(getenv, s.stdoutTTY)
	s.errColorEnabled = colorWanted(getenv, s.stderrTTY)
	s.neverPrompt = getenv("APPROOV_NO_PROMPT") != ""
	s.termWidth = func() int {
		if w, _, err := term.GetSize(int(out.Fd())); err == nil && w > 0 {
			return w
		}
		return 80
	}
	return s
}

// Test returns streams backed by buffers, with every TTY flag off and no colour.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	ios = &IOStreams{In: in, Out: out, ErrOut: errOut, termWidth: func() int { return 80 }}
	return ios, in, out, errOut
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// colorWanted applies NO_COLOR (https://no-color.org), CLICOLOR and
// CLICOLOR_FORCE to one output stream.
func colorWanted(getenv func(string) string, tty bool) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	if f := getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	if getenv("CLICOLOR") == "0" || getenv("TERM") == "dumb" {
		return false
	}
	return tty
}

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY overrides terminal detection for stdin (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY overrides terminal detection for stdout (tests); colour is set
// apart, with SetColorEnabled.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides terminal detection for stderr (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetColorEnabled overrides the colour decision for stdout (tests).
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }

// SetErrColorEnabled overrides the colour decision for stderr (tests).
func (s *IOStreams) SetErrColorEnabled(v bool) { s.errColorEnabled = v }

// SetNeverPrompt forbids prompting, as APPROOV_NO_PROMPT does.
func (s *IOStreams) SetNeverPrompt(v bool) { s.neverPrompt = v }

// CanPrompt reports whether a question may be asked: stdin and stderr are
// terminals (prompts go to stderr) and prompting is not disabled.
func (s *IOStreams) CanPrompt() bool {
	return s.stdinTTY && s.stderrTTY && !s.neverPrompt
}

// ColorEnabled reports whether output to stdout may carry ANSI colour.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled }

// ColorScheme returns the palette for stdout, which paints nothing when
// colour is off.
func (s *IOStreams) ColorScheme() *ColorScheme { return &ColorScheme{enabled: s.colorEnabled} }

// ErrColorEnabled reports whether messages to stderr may carry ANSI colour.
func (s *IOStreams) ErrColorEnabled() bool { return s.errColorEnabled }

// ErrColorScheme returns the palette for messages on stderr, decided by
// stderr alone.
func (s *IOStreams) ErrColorScheme() *ColorScheme { return &ColorScheme{enabled: s.errColorEnabled} }

// TerminalWidth returns the width of stdout's terminal, 80 when unknown.
func (s *IOStreams) TerminalWidth() int {
	if s.termWidth == nil {
		return 80
	}
	return s.termWidth()
}

// Warnf writes a "warning: ..." line to stderr, its control characters
// escaped: warnings carry paths and names from files and servers.
func (s *IOStreams) Warnf(format string, a ...any) {
	fmt.Fprintf(s.ErrOut, "warning: %s\n", safetext.Escapef(format, a...))
}
