// Package postgres is a store.Store on PostgreSQL, for approovd instances
// that share one database. The whole store is one table, approov_kv
// (bucket text, key bytea, value bytea, primary key (bucket, key)): the
// bucket is a column, so a new bucket needs no migration, and bytea keys
// order bytewise as Scan's contract wants. Update runs SERIALIZABLE
// transactions; a serialization failure (SQLSTATE 40001) or a deadlock
// (40P01) is store.ErrConflict, which Update re-runs (store.Retry, at most
// store.MaxAttempts runs, with a short random backoff between them, the
// later ones taking turns: turns.go). View
// runs REPEATABLE READ READ ONLY: a snapshot, never refused.
//
// The schema is versioned by the numbered files of migrations/, embedded in
// the binary: Create applies them all to an empty database and writes the
// marker row; Migrate applies those an existing store lacks; Open refuses a
// database without the marker and a schema older or newer than this
// build's (SchemaVersion). See docs/store-postgres.md.
package postgres

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool      *pgxpool.Pool
	side      *pgxpool.Pool            // statements outside Update's transactions (recorder.go)
	where     string                   // the URL without password or query, for messages
	wait      time.Duration            // client_timeout: the longest round trip
	conflicts atomic.Int32             // injected commit failures still to come
	admits    store.Gather[*admitCall] // admissions waiting for their round trip (admit.go)
}

var (
	_ store.Store            = (*Store)(nil)
	_ store.ConflictInjector = (*Store)(nil)
	_ store.WriteChecker     = (*Store)(nil)
	_ store.Peeker           = (*Store)(nil)
	_ store.Admitter         = (*Store)(nil)
)

// Create makes a new store in the database url names, which must hold no
// approov tables yet: it applies every migration and writes the marker in
// one transaction, the only way an approov store comes to be.
func Create(ctx context.Context, url string) (*Store, error) {
	s, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return create(ctx, tx, s.where) }); err != nil {
		s.Close()
		return nil, dbError(s.where, err)
	}
	return s, nil
}

// Open opens the existing store in the database url names, once
// recognised: its marker, record format and schema version are checked (in
// a read-only transaction) before anything is written.
func Open(ctx context.Context, url string) (*Store, error) {
	s, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		st, err := readState(ctx, tx)
		if err != nil {
			return err
		}
		return st.check(s.where, false)
	})
	if err != nil {
		s.Close()
		return nil, dbError(s.where, err)
	}
	return s, nil
}

// OpenOrCreate opens the store in the database url names, first creating
// it (as Create does) when the database holds no approov table at all: for
// a database an operator gave (approovd serve), never one from a code.
// Two instances starting at once take turns on Create's advisory lock; the
// one that finds the tables made opens them in a fresh transaction (one
// that waited for the lock may not see them in its catalog snapshot).
func OpenOrCreate(ctx context.Context, url string) (*Store, error) {
	s, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return openOrCreate(ctx, tx, s.where) })
		if err == nil {
			return s, nil
		}
		if try > 0 || fault.KindOf(err) != fault.Conflict {
			s.Close()
			return nil, dbError(s.where, err)
		}
	}
}

func openOrCreate(ctx context.Context, tx pgx.Tx, where string) error {
	st, err := readState(ctx, tx)
	switch {
	case err != nil:
		return err
	case !st.found:
		return create(ctx, tx, where)
	}
	return st.check(where, false)
}

func connect(ctx context.Context, url string) (*Store, error) {
	cfg, err := parseConfig(url)
	if err != nil {
		return nil, err
	}
	side := cfg.pool.Copy() // statements outside Update's transactions (recorder.go)
	side.ConnConfig.RuntimeParams["default_transaction_isolation"] = "read committed"
	pool, err := pgxpool.NewWithConfig(ctx, cfg.pool)
	if err != nil {
		return nil, dbError(cfg.where, err)
	}
	sidePool, err := pgxpool.NewWithConfig(ctx, side)
	if err != nil {
		pool.Close()
		return nil, dbError(cfg.where, err)
	}
	s := &Store{pool: pool, side: sidePool, where: cfg.where, wait: cfg.client}
	s.admits.Max, s.admits.Flush = maxAdmitGroup, s.flushAdmits
	return s, nil
}

// Close implements store.Store.
func (s *Store) Close() error {
	s.pool.Close()
	s.side.Close()
	return nil
}

// InjectConflicts makes the next n commits fail with ErrConflict (tests).
func (s *Store) InjectConflicts(n int) { s.conflicts.Store(int32(n)) }

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	t := s.newTx(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	defer t.rollback()
	if err := fn(t); err != nil {
		return err
	}
	return t.commit()
}

// Peek implements store.Peeker: fn's reads go on the side pool (READ
// COMMITTED) with no BEGIN and no COMMIT, each batch a transaction of its
// own, which saves a View's closing round trip.
func (s *Store) Peek(ctx context.Context, fn func(store.Tx) error) error {
	t := &pgTx{ctx: ctx, s: s, pool: s.side, end: (*pgxpool.Conn).Release, retry: true, peek: true}
	defer t.rollback()
	err := fn(t)
	t.done = true // nothing is open: rollback only gives the connection back
	return err
}

// Update implements store.Store: fn runs in a SERIALIZABLE transaction,
// again after a conflict, each retry after a random pause that grows with
// the attempt so that contenders spread out.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	attempt := 0
	return store.Retry(ctx, func() error {
		if attempt > 0 {
			if err := pause(ctx, attempt); err != nil {
				return err
			}
		}
		attempt++
		return s.attempt(ctx, fn, attempt-1)
	})
}

// pause waits a random time in [0, 2^attempt ms) (capped at 64 ms).
func pause(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fault.Wrap(fault.Cancelled, ctx.Err())
	case <-t.C:
		return nil
	}
}

// attempt runs fn once (the n-th time, from 0: turns.go) and commits. A
// statement that failed with a conflict aborts the transaction, so the
// attempt is a conflict whatever fn made of that error.
func (s *Store) attempt(ctx context.Context, fn func(store.Tx) error, n int) error {
	if err := ctx.Err(); err != nil {
		return fault.Wrap(fault.Cancelled, err)
	}
	t, err := s.beginWrite(ctx, n)
	if err != nil {
		return err
	}
	defer t.rollback()
	err = fn(t)
	switch {
	case t.conflict != nil:
		return t.conflict
	case err != nil:
		return err
	case s.conflicts.Add(-1) >= 0:
		return store.ErrConflict // rolled back, as a refused commit is
	}
	s.conflicts.Store(0)
	return t.commit()
}

// CheckWritable implements store.WriteChecker. A transaction begun as
// Update's are (no access mode of its own) is read-only on a hot standby
// (in recovery) and in a database with default_transaction_read_only on;
// SHOW transaction_read_only says so for both, writing nothing.
func (s *Store) CheckWritable(ctx context.Context) error {
	t := s.newTx(ctx, "BEGIN")
	defer t.rollback()
	var ro string
	err := t.send(func(b *pgx.Batch) {
		b.Queue("SHOW transaction_read_only").QueryRow(func(r pgx.Row) error { return r.Scan(&ro) })
	}, false)
	if err != nil {
		return t.fail(err)
	}
	if ro != "off" {
		return fault.WithHint(fault.New(fault.Network, "store %s is read-only (a standby, or default_transaction_read_only): it cannot record requests", s.where),
			"point the store URL at the primary (target_session_attrs=read-write)")
	}
	return nil
}
