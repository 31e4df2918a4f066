// Package fault is the project's error taxonomy. Libraries classify their
// errors with a Kind; internal/app maps each Kind to an exit code in one place.
// The package has no dependencies so that every layer may use it.
package fault

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the user can do about it.
type Kind uint8

// The kinds, in the order of DESIGN §7's exit codes.
const (
	Internal   Kind = iota // anything unexpected (exit 1)
	Usage                  // bad flags or arguments, or a confirmation is needed (exit 2)
	Conflict               // stale base version or a lost race (exit 3)
	Auth                   // no or expired session, no terminal to prompt (exit 4)
	Permission             // the active role may not do this (exit 5)
	Invalid                // invalid input: file, pin, certificate, measurement (exit 6)
	Network                // unreachable, TLS failure, pin mismatch in a live check (exit 7)
	Cancelled              // the user cancelled (exit 130)
)

var kindNames = [...]string{"internal", "usage", "conflict", "auth", "permission", "invalid", "network", "cancelled"}

// String names the kind, as used in --json error output and docs.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is an error with a Kind and an optional hint for the next step.
type Error struct {
	Kind Kind
	Err  error
	Hint string // e.g. "approov init <code>"; printed as "try: <hint>"
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given kind; format follows fmt.Errorf, so %w wraps.
func New(kind Kind, format string, a ...any) error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, a...)}
}

// Wrap classifies err. A nil err stays nil.
func Wrap(kind Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Err: err}
}

// WithHint attaches a hint, keeping the kind of err (Internal if it had none).
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: KindOf(err), Err: err, Hint: hint}
}

// KindOf returns the kind of the outermost classified error in err's chain,
// Internal when none is classified.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return Internal
}

// HintOf returns the first hint found in err's chain, or "".
func HintOf(err error) string {
	for err != nil {
		var fe *Error
		if !errors.As(err, &fe) {
			return ""
		}
		if fe.Hint != "" {
			return fe.Hint
		}
		err = fe.Err
	}
	return ""
}
