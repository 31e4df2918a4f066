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
	featureNotSupported  = "0A000"
)

// onStandby reports whether err is a hot standby's refusal of a
// SERIALIZABLE transaction (SQLSTATE 0A000, feature not supported, which
// nothing else approov sends can cause; the message is checked too, being
// the one thing that tells it from other 0A000s): every Update on a
// standby fails so, before it could be refused as a write (25006).
func onStandby(pe *pgconn.PgError) bool {
	return pe.Code == featureNotSupported && strings.Contains(pe.Message, "hot standby")
}

// unavailable reports whether a SQLSTATE means the database cannot serve
// now: a statement past statement_timeout (57014), a server shutting down
// or starting (57P01-57P03), a connection exception (class 08), too many
// connections (53300), or a standby that refuses writes (25006: after a
// failover, until the URL names the new primary; multiinst).
func unavailable(code string) bool {
	return code == queryCanceled || strings.HasPrefix(code, "57P0") || strings.HasPrefix(code, "08") ||
		code == "53300" || code == "25006"
}

// brokenConn reports whether err is a connection's failure rather than
// the database's answer (no SQLSTATE) or the server ending sessions.
func brokenConn(err error) bool {
	var pe *pgconn.PgError
	var ce *pgconn.ConnectError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "57P0") || strings.HasPrefix(pe.Code, "08")
	}
	return !errors.As(err, &ce) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

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
	var ce *pgconn.ConnectError
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
	case errors.As(err, &ce):
		return fault.WithHint(fault.New(fault.Network, "store %s unreachable: %s", where, oneLine(ce.Unwrap().Error())),
			"check that PostgreSQL is running and the store URL's host, port, credentials and TLS settings")
	case errors.As(err, &pe) && onStandby(pe):
		return fault.WithHint(fault.New(fault.Network, "store %s is a read-only standby: %s", where, oneLine(pe.Message)),
			"point the store URL at the primary (target_session_attrs=read-write)")
	case errors.As(err, &pe) && unavailable(pe.Code):
		return fault.New(fault.Network, "store %s: %s", where, oneLine(pe.Message))
	case errors.As(err, &pe):
		return fault.New(fault.Internal, "store %s: %s (SQLSTATE %s)", where, oneLine(pe.Message), pe.Code)
	}
	return fault.WithHint(fault.New(fault.Network, "store %s unreachable: %s", where, oneLine(err.Error())),
		"check that PostgreSQL is running and the store URL's host, port and TLS settings")
}
