package cmdutil

import (
	"errors"

	"github.com/approov-cli/approov/internal/fault"
)

// FlagErrorf reports a bad flag or argument (exit 2); the root adds a pointer
// to the command's --help.
func FlagErrorf(format string, a ...any) error {
	return fault.New(fault.Usage, format, a...)
}

// ErrSilent is returned by a command that already told the user what went
// wrong; it exits 1 without printing more.
var ErrSilent = errors.New("silent error")

// SilentError wraps a kind so the command exits with its code without another
// message (e.g. `pin check` after printing its failures).
func SilentError(kind fault.Kind) error { return fault.Wrap(kind, ErrSilent) }
