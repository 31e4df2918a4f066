package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
)

// AccountParam is the one parameter of every path template.
const AccountParam = "{account}"

// MaxURL bounds a request's path plus query.
const MaxURL = 2 << 10

// PathFor is op's path for account.
func (o Operation) PathFor(account string) string {
	return strings.Replace(o.Path, AccountParam, account, 1)
}

// HasBody says whether op's request travels as a JSON body (POST, PUT)
// rather than in the query string (GET, DELETE).
func (o Operation) HasBody() bool { return o.Method == http.MethodPost || o.Method == http.MethodPut }

// Route finds the operation served at method and path, and the account the
// path names. A path no operation serves is a 404, a method it does not
// serve there a 405 (see StatusOf).
func Route(method, path string) (Operation, string, error) {
	found := false
	for _, op := range registry {
		account, ok := match(op.Path, path)
		if !ok {
			continue
		}
		if op.Method == method {
			return op, account, nil
		}
		found = true
	}
	if found {
		return Operation{}, "", &StatusError{Status: http.StatusMethodNotAllowed,
			Err: fault.New(fault.Invalid, "method %s is not allowed on %s", clip(method), clip(path))}
	}
	return Operation{}, "", &StatusError{Status: http.StatusNotFound, Err: fault.New(fault.Invalid, "no operation at %s", clip(path))}
}

// match matches path against template, returning the account segment.
func match(template, path string) (string, bool) {
	prefix, suffix, _ := strings.Cut(template, AccountParam)
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok {
		return "", false
	}
	account, ok := strings.CutSuffix(rest, suffix)
	if !ok || account == "" || strings.Contains(account, "/") {
		return "", false
	}
	return account, true
}

func clip(s string) string { return printable(truncateText(s, 80)) }

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// StatusError is an error with the HTTP status its answer carries, for
// refusals that no fault kind says precisely (no such route, too large).
type StatusError struct {
	Status int
	Err    error
}

// Error returns the underlying message.
func (e *StatusError) Error() string { return e.Err.Error() }

// Unwrap exposes the classified error.
func (e *StatusError) Unwrap() error { return e.Err }

// StatusOf is the HTTP status of an answer carrying err (200 for nil).
func StatusOf(err error) int {
	var se *StatusError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &se):
		return se.Status
	}
	if _, limited := RetryAfter(err); limited {
		return http.StatusTooManyRequests
	}
	return kindStatus[fault.KindOf(err)]
}

var kindStatus = map[fault.Kind]int{
	fault.Internal:   http.StatusInternalServerError,
	fault.Usage:      http.StatusBadRequest,
	fault.Conflict:   http.StatusConflict,
	fault.Auth:       http.StatusUnauthorized,
	fault.Permission: http.StatusForbidden,
	fault.Invalid:    http.StatusUnprocessableEntity,
	fault.Network:    http.StatusBadGateway,
	fault.Cancelled:  http.StatusServiceUnavailable,
}
