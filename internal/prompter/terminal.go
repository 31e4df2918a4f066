package prompter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/approov-cli/approov/internal/fault"
)

// Terminal prompts on the controlling terminal (/dev/tty), or on stdin and
// stderr when those are the terminal and /dev/tty cannot be opened.
type Terminal struct {
	canPrompt bool
	stdin     io.Reader
	errOut    io.Writer
	openTTY   func() (*os.File, error)
}

// New returns a Terminal prompter. canPrompt is IOStreams.CanPrompt():
// false when stdin or stderr is not a terminal or APPROOV_NO_PROMPT is set,
// and then every method fails at once.
func New(stdin io.Reader, errOut io.Writer, canPrompt bool) *Terminal {
	return &Terminal{canPrompt: canPrompt, stdin: stdin, errOut: errOut, openTTY: openTTY}
}

var _ Prompter = (*Terminal)(nil)

func openTTY() (*os.File, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }

// tty returns the file to read from and the writer for prompts.
func (t *Terminal) tty() (in *os.File, out io.Writer, closeFn func(), ok bool) {
	if !t.canPrompt {
		return nil, nil, nil, false
	}
	if f, err := t.openTTY(); err == nil {
		return f, f, func() { f.Close() }, true
	}
	if f, isFile := t.stdin.(*os.File); isFile && term.IsTerminal(int(f.Fd())) {
		return f, t.errOut, func() {}, true
	}
	return nil, nil, nil, false
}

// Password implements Prompter.
func (t *Terminal) Password(prompt string) ([]byte, error) {
	in, out, closeFn, ok := t.tty()
	if !ok {
		return nil, NoTerminalError()
	}
	defer closeFn()
	return readHidden(in, out, prompt)
}

// NewPassword implements Prompter.
func (t *Terminal) NewPassword(prompt string) ([]byte, error) {
	in, out, closeFn, ok := t.tty()
	if !ok {
		return nil, NoTerminalError()
	}
	defer closeFn()
	for try := 0; try < 3; try++ {
		pw, err := readHidden(in, out, prompt)
		if err != nil {
			return nil, err
		}
		if err := checkNew(pw); err != nil {
			fmt.Fprintf(out, "%s\r\n", err)
			continue
		}
		again, err := readHidden(in, out, "Repeat "+strings.ToLower(prompt[:1])+prompt[1:])
		if err != nil {
			return nil, err
		}
		if bytes.Equal(pw, again) {
			return pw, nil
		}
		fmt.Fprint(out, "The passwords do not match.\r\n")
	}
	return nil, fault.New(fault.Invalid, "no acceptable password after three tries")
}

// Confirm implements Prompter.
func (t *Terminal) Confirm(prompt string, def bool) (bool, error) {
	in, out, closeFn, ok := t.tty()
	if !ok {
		return false, NoConfirmError()
	}
	defer closeFn()
	hint := " [y/N] "
	if def {
		hint = " [Y/n] "
	}
	for {
		line, err := readVisible(in, out, prompt+hint)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "":
			return def, nil
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
	}
}

// readHidden reads a line in raw mode, so that Ctrl-C arrives as a byte we
// turn into fault.Cancelled, and restores the terminal on every path,
// including a terminating signal.
func readHidden(in *os.File, out io.Writer, prompt string) ([]byte, error) {
	fd := int(in.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return nil, fault.New(fault.Internal, "cannot switch the terminal to password mode: %v", err)
	}
	defer term.Restore(fd, old)
	fmt.Fprint(out, prompt)
	if !strings.HasSuffix(prompt, " ") {
		fmt.Fprint(out, ": ")
	}
	type result struct {
		pw  []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		pw, err := editLine(in)
		done <- result{pw, err}
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	select {
	case r := <-done:
		fmt.Fprint(out, "\r\n")
		return r.pw, r.err
	case <-sigs:
		fmt.Fprint(out, "\r\n")
		return nil, cancelled()
	}
}

func cancelled() error { return fault.New(fault.Cancelled, "cancelled") }

// editLine reads bytes until Enter, handling Backspace and Ctrl-U; Ctrl-C,
// and Ctrl-D on an empty line, cancel.
func editLine(r io.Reader) ([]byte, error) {
	var pw []byte
	b := make([]byte, 1)
	for {
		n, err := r.Read(b)
		if n == 0 {
			if err == nil {
				continue
			}
			if errors.Is(err, io.EOF) {
				return nil, cancelled()
			}
			return nil, fault.New(fault.Internal, "cannot read from the terminal: %v", err)
		}
		switch c := b[0]; c {
		case '\r', '\n':
			return pw, nil
		case 3: // Ctrl-C
			return nil, cancelled()
		case 4: // Ctrl-D
			if len(pw) == 0 {
				return nil, cancelled()
			}
		case 8, 127: // Backspace
			if len(pw) > 0 {
				_, size := utf8.DecodeLastRune(pw)
				pw = pw[:len(pw)-size]
			}
		case 21: // Ctrl-U
			pw = pw[:0]
		default:
			if len(pw) >= maxPassword {
				return nil, fault.New(fault.Invalid, "password longer than %d bytes", maxPassword)
			}
			pw = append(pw, c)
		}
	}
}

// readVisible reads one echoed line in the terminal's normal mode.
func readVisible(in *os.File, out io.Writer, prompt string) (string, error) {
	fmt.Fprint(out, prompt)
	var line []byte
	b := make([]byte, 1)
	for len(line) < 256 {
		n, err := in.Read(b)
		if n == 1 && b[0] == '\n' {
			break
		}
		if n == 1 {
			line = append(line, b[0])
			continue
		}
		if err != nil {
			return "", cancelled()
		}
	}
	return string(line), nil
}
