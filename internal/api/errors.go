package api

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
)

// MaxMessage bounds an answer body, and what a server reads of a request.
const MaxMessage = 1 << 20

// WireError is the body of a failed answer.
type WireError struct {
	Kind       string `json:"kind"` // fault.Kind name
	Message    string `json:"message"`
	Hint       string `json:"hint,omitempty"`
	RetryAfter int64  `json:"retry_after,omitempty"` // seconds, when rate limited
	Code       string `json:"code,omitempty"`        // machine-readable detail: "clock-skew"
}

// CodeClockSkew marks a request refused for its time: nothing ran, and the
// client may correct its clock offset from the answer's time and retry once.
const CodeClockSkew = "clock-skew"

// ToWire encodes err for an answer.
func ToWire(err error) WireError {
	w := WireError{Kind: fault.KindOf(err).String(), Message: err.Error(), Hint: fault.HintOf(err)}
	if d, ok := RetryAfter(err); ok {
		w.RetryAfter = int64((d + time.Second - 1) / time.Second)
	}
	var skew *auth.SkewError
	if errors.As(err, &skew) {
		w.Code = CodeClockSkew
	}
	return w
}

// Err turns a decoded answer back into a classified error.
func (w WireError) Err() error {
	kind := fault.Internal
	for k := fault.Internal; k <= fault.Cancelled; k++ {
		if k.String() == w.Kind {
			kind = k
		}
	}
	var err error = &fault.Error{Kind: kind, Err: errors.New(printable(w.Message)), Hint: printable(w.Hint)}
	if w.RetryAfter > 0 {
		err = &RateLimitError{Err: err, After: time.Duration(min(w.RetryAfter, maxRetryAfter)) * time.Second}
	}
	if w.Code == CodeClockSkew {
		err = &auth.SkewError{Err: err}
	}
	return err
}

// Bounds on what an error answer may make the client print or wait.
const (
	maxWireText   = 1024
	maxRetryAfter = 24 * 60 * 60 // seconds
)

// printable makes service text safe for a terminal: control characters
// (escape sequences, newlines) become spaces, and the length is bounded.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxWireText {
		s = strings.ToValidUTF8(s[:maxWireText], "") + "…"
	}
	return s
}

// RateLimitError is a fault.Auth error that says when to try again.
type RateLimitError struct {
	Err   error
	After time.Duration
}

// Error returns the underlying message.
func (e *RateLimitError) Error() string { return e.Err.Error() }

// Unwrap exposes the classified error.
func (e *RateLimitError) Unwrap() error { return e.Err }

// RetryAfter reports how long a rate-limited caller must wait.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.After, true
	}
	return 0, false
}
