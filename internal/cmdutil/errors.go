package cmdutil

import (
	"errors"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

// FlagErrorFunc turns pflag's errors into usage errors (exit 2). A switch
// given a value (--password-stdin=VALUE) is named without the value: what
// was typed there may be a secret meant for stdin.
func FlagErrorFunc(_ *cobra.Command, err error) error {
	if ive, ok := errors.AsType[*pflag.InvalidValueError](err); ok {
		if fl := ive.GetFlag(); fl != nil && isSwitch(fl) {
			return FlagErrorf("--%s takes no value: give --%s alone (or --%s=false)", fl.Name, fl.Name, fl.Name)
		}
	}
	return FlagErrorf("%v", err)
}

// isSwitch reports a flag that takes no argument (bool and its variants).
func isSwitch(fl *pflag.Flag) bool {
	switch fl.Value.Type() {
	case "bool", "boolfunc", "count":
		return true
	}
	return false
}
