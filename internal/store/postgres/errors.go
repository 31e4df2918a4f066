package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// SQLSTATEs that mean a concurrent transaction won: Update runs fn again.
const (
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
	queryCanceled        = "57014" // statement_timeout, among others
	undefinedColumn      = "42703"
)

// isUndefinedColumn: a table of ours by name only (someone else's).
func isUndefinedColumn(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == undefinedColumn
}

// isConflict reports whether err is a lost race the database refused.
func isConflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == serializationFailure || pe.Code == deadlockDetected)
}

// dbError classifies an error of the database: a conflict is
// store.ErrConflict; a cancelled context Cancelled; an unreachable or slow
// database Network (exit 7); errors already classified pass as they are;
// anything else is Internal. Messages are one line and carry no password.
func dbError(where string, err error) error {
	var pe *pgconn.PgError
	var fe *fault.Error
	switch {
	case err == nil:
		return nil
	case isConflict(err):
		return store.ErrConflict // the database's words add nothing a user can act on
	case errors.As(err, &fe), errors.Is(err, store.ErrConflict):
		return err
	case errors.Is(err, context.Canceled):
		return fault.Wrap(fault.Cancelled, err)
	case errors.As(err, &pe) && (pe.Code == queryCanceled || unavailable(pe.Code)):
		return fault.New(fault.Network, "store %s: %s", where, oneLine(pe.Message))
	case errors.As(err, &pe):
		return fault.New(fault.Internal, "store %s: %s (SQLSTATE %s)", where, oneLine(pe.Message), pe.Code)
	}
	return fault.WithHint(fault.New(fault.Network, "store %s unreachable: %s", where, oneLine(err.Error())),
		"check that PostgreSQL is running and the store URL's host, port and TLS settings")
}

// unavailable reports whether a SQLSTATE says the database cannot serve
// now, though nothing is wrong with the request: a server shutting down,
// restarting or starting up (class 57: operator intervention), a broken
// connection (class 08), too many connections (53300), or a standby that
// refuses writes (25006, after a failover until the URL names the new
// primary). The client gets a network error (exit 7) and may try again.
func unavailable(code string) bool {
	return strings.HasPrefix(code, "57") || strings.HasPrefix(code, "08") || code == "53300" || code == "25006"
}
