// Package prompter asks the user for passwords and confirmations on the
// terminal. Passwords are read without echo from the controlling terminal,
// Ctrl-C cancels and the terminal state is always restored. When no terminal
// may be used, every method fails at once with a hint instead of blocking:
// a CI job must never hang on input that cannot come.
//
// Commands receive a Prompter through the Factory; tests inject
// promptertest.Scripted.
package prompter

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/fault"
)

// Prompter asks the user for input.
type Prompter interface {
	// Password asks once for an existing password, without echo.
	Password(prompt string) ([]byte, error)
	// NewPassword asks for a new password twice, without echo; an empty,
	// short or mismatched entry is refused and asked again (three tries).
	NewPassword(prompt string) ([]byte, error)
	// Confirm asks a yes/no question; def is the answer to a bare Enter.
	Confirm(prompt string, def bool) (bool, error)
}

// MinPasswordLength is the shortest password NewPassword accepts. The
// password guards a key whose public half the service stores, so it must
// resist offline guessing; Argon2id makes each guess costly, length does
// the rest.
const MinPasswordLength = 8

// maxPassword bounds what we read: nobody types a 1 KiB password.
const maxPassword = 1024

// ErrNoTerminal is wrapped by the error returned when a password is needed
// and no terminal may be used.
var ErrNoTerminal = errors.New("a password is needed but there is no terminal to ask on")

// NoTerminalError is the error for a password that cannot be asked for.
func NoTerminalError() error {
	return fault.WithHint(fault.Wrap(fault.Auth, ErrNoTerminal),
		"pipe the password with --password-stdin, or use the automation role with APPROOV_MANAGEMENT_TOKEN")
}

// NoConfirmError is the error for a confirmation that cannot be asked for.
func NoConfirmError() error {
	return fault.WithHint(fault.New(fault.Usage, "confirmation needed but there is no terminal to ask on"), "pass --yes")
}

// PasswordFromStdin reads one line from r (for --password-stdin): the line
// ending is dropped, an empty line is refused, and at most 1 KiB is read.
func PasswordFromStdin(r io.Reader) ([]byte, error) {
	var line []byte
	buf := make([]byte, 1)
	for len(line) <= maxPassword {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			line = append(line, buf[0])
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fault.New(fault.Invalid, "cannot read the password from stdin: %v", err)
		}
	}
	if len(line) > maxPassword {
		return nil, fault.New(fault.Invalid, "password on stdin is longer than %d bytes", maxPassword)
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		return nil, fault.WithHint(fault.New(fault.Invalid, "--password-stdin read an empty password"), "echo the password into approov, one line")
	}
	return line, nil
}

// checkNew applies the rules for a new password.
func checkNew(pw []byte) error {
	switch n := utf8.RuneCount(pw); {
	case n == 0:
		return errors.New("an empty password is not allowed")
	case n < MinPasswordLength:
		return fmt.Errorf("too short: use at least %d characters", MinPasswordLength)
	}
	return nil
}

// CheckNewPassword applies NewPassword's rules to a password that came from
// elsewhere (--password-stdin).
func CheckNewPassword(pw []byte) error {
	if err := checkNew(pw); err != nil {
		return fault.New(fault.Invalid, "password refused: %v", err)
	}
	return nil
}
