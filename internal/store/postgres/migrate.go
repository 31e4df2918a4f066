package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

//go:embed migrations/*.sql
var embedded embed.FS

// migrationFiles holds migrations/*.sql: the embedded files (tests swap
// in others to migrate from an older schema).
var migrationFiles fs.FS = embedded

// migration is one numbered SQL file of migrations/.
type migration struct {
	version int
	name    string
	sql     string
}

// markerText is what approov_marker.marker holds in an approov database.
const markerText = "approov store"

// lockKey is the advisory lock Create and Migrate hold, so two of them on
// one database take turns.
const lockKey = 0x617070726f6f76 // "approov"

// migrations returns the embedded migrations in order, checking that they
// are numbered 1, 2, 3… with no gap.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for i, name := range names { // Glob sorts them
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		sql, err := fs.ReadFile(migrationFiles, name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, strings.TrimSuffix(base, ".sql"), string(sql)})
	}
	return out, nil
}

// SchemaVersion is the schema this build makes and reads: its last migration.
func SchemaVersion() int {
	m, err := migrations()
	if err != nil {
		panic(err) // the embedded files are part of the build; a test checks them
	}
	return len(m)
}

// apply runs the migrations after version from, recording each.
func apply(ctx context.Context, tx pgx.Tx, from int) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range all[from:] {
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO approov_schema_version (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return err
		}
	}
	return nil
}

// state is what a database holds of approov: found is false when it has no
// marker table at all.
type state struct {
	found          bool
	marker, format string
	version        int
}

func readState(ctx context.Context, q pgx.Tx) (state, error) {
	var st state
	if err := q.QueryRow(ctx, `SELECT to_regclass('approov_marker') IS NOT NULL`).Scan(&st.found); err != nil || !st.found {
		return st, err
	}
	err := q.QueryRow(ctx, `SELECT marker, format FROM approov_marker`).Scan(&st.marker, &st.format)
	if err == pgx.ErrNoRows || isUndefinedColumn(err) || (err == nil && st.marker != markerText) {
		return state{found: true}, nil // not ours: read nothing more of it (the caller refuses it)
	}
	if err != nil {
		return st, err
	}
	err = q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM approov_schema_version`).Scan(&st.version)
	return st, err
}

// check checks st is an approov store this build can open as is
// (migrating: one it can migrate).
func (st state) check(where string, migrating bool) error {
	switch {
	case !st.found || st.marker != markerText:
		return fault.WithHint(fault.New(fault.Invalid, "%s is not an approov store: it has no approov marker", where),
			"check the store URL: it must name the database an approov store was created in")
	case st.format != store.FormatVersion:
		return fault.New(fault.Invalid, "store %s has format %.20q; this approov reads format %s", where, st.format, store.FormatVersion)
	case st.version > SchemaVersion():
		return fault.New(fault.Invalid, "store %s has schema version %d, newer than this approovd's %d: this approovd is older than the store (run the one that migrated it, or a newer one)", where, st.version, SchemaVersion())
	case st.version < SchemaVersion() && !migrating:
		return fault.New(fault.Invalid, "store %s has schema version %d, older than this approovd's %d: run approovd store migrate --store '%s'", where, st.version, SchemaVersion(), where)
	}
	return nil
}

// Migration is what Migrate did: the schema versions before and after,
// and whether it created the store in an empty database (From is 0 then).
type Migration struct {
	From, To int
	Created  bool
}

// Migrate applies to the approov store at url the migrations it lacks, in
// one transaction (all or none); a database with no approov table at all
// gets a new store (as Create makes it). The marker is checked before
// anything is written: a database that is not an approov store, or has a
// newer schema, is left as it was.
func Migrate(ctx context.Context, url string) (Migration, error) {
	cfg, err := parseConfig(url)
	if err != nil {
		return Migration{}, err
	}
	where := cfg.where
	conn, err := pgx.ConnectConfig(ctx, cfg.pool.ConnConfig)
	if err != nil {
		return Migration{}, dbError(where, err)
	}
	defer conn.Close(context.Background())
	var m Migration
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) (err error) {
		m, err = migrate(ctx, tx, where)
		return err
	})
	if err != nil {
		return Migration{}, dbError(where, err)
	}
	return m, nil
}

func migrate(ctx context.Context, tx pgx.Tx, where string) (Migration, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
		return Migration{}, err
	}
	st, err := readState(ctx, tx)
	if err != nil {
		return Migration{}, err
	}
	if !st.found {
		return Migration{To: SchemaVersion(), Created: true}, create(ctx, tx, where)
	}
	if err := st.check(where, true); err != nil {
		return Migration{}, err
	}
	return Migration{From: st.version, To: SchemaVersion()}, apply(ctx, tx, st.version)
}

// create makes the schema and the marker in an empty database.
func create(ctx context.Context, tx pgx.Tx, where string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
		return err
	}
	var taken []string
	for _, t := range []string{"approov_schema_version", "approov_marker", "approov_kv"} {
		var found bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, t).Scan(&found); err != nil {
			return err
		}
		if found {
			taken = append(taken, t)
		}
	}
	if len(taken) > 0 {
		return fault.New(fault.Conflict, "cannot create store %s: the database already has %s", where, strings.Join(taken, ", "))
	}
	if err := apply(ctx, tx, 0); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO approov_marker (marker, format) VALUES ($1, $2)`, markerText, store.FormatVersion)
	return err
}
