package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Lost races and the last resort. An Update attempt is optimistic: a
// SERIALIZABLE transaction that PostgreSQL may refuse as a lost race (two
// audited writes of one account both bump its audit sequence row; two
// inserts land on one index page and its predicate lock). With two busy
// clients on one account about 1.2 % of writes lost five optimistic runs
// in a row (docs/bench/README.md). So the later attempts take turns: every
// optimistic transaction holds the database-wide advisory lock writersLock
// shared (taken by its first statement, released at its end), and an
// attempt after exclusiveAfter lost races takes it exclusively before its
// transaction begins. PostgreSQL queues new shared requests behind a
// waiting exclusive one, so that attempt waits only for the writers
// already running, then runs alone among writers on every instance: no
// concurrent writer, no lost race; a real conflict (a stale pin base) is
// the service's answer, never this. Views take no lock: REPEATABLE READ
// READ ONLY transactions are outside serializable checking.

// writersLock is the advisory lock key of approov writers ("approovw").
const writersLock int64 = 0x617070726f6f7677

// exclusiveAfter is how many optimistic attempts run before the turns.
const exclusiveAfter = 2

var (
	// sharedBegin begins an optimistic attempt in one round trip.
	sharedBegin = pgx.TxOptions{BeginQuery: "BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT pg_advisory_xact_lock_shared(" +
		strconv.FormatInt(writersLock, 10) + ")"}
	serializable = pgx.TxOptions{IsoLevel: pgx.Serializable}
)

// beginWrite starts attempt n's transaction: shared for the first
// attempts; then on a connection of its own that holds writersLock
// exclusively until release, called once the transaction ended.
func (s *Store) beginWrite(ctx context.Context, n int) (t *pgTx, release func(), err error) {
	if n < exclusiveAfter {
		t, err = s.begin(ctx, sharedBegin)
		return t, func() {}, err
	}
	bctx, cancel := context.WithTimeout(ctx, s.wait)
	defer cancel()
	c, err := s.pool.Acquire(bctx)
	if err != nil {
		return nil, nil, dbError(s.where, err)
	}
	var tx pgx.Tx
	if _, err = c.Exec(bctx, "SELECT pg_advisory_lock($1)", writersLock); err == nil {
		tx, err = c.BeginTx(bctx, serializable)
	}
	if err != nil {
		discard(c) // it may hold the lock: never back to the pool
		return nil, nil, dbError(s.where, err)
	}
	return &pgTx{ctx: ctx, tx: tx, where: s.where, wait: s.wait}, func() { unlock(c) }, nil
}

// unlock releases writersLock and the connection; a connection that could
// not say so is closed, which releases its locks.
func unlock(c *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, "SELECT pg_advisory_unlock($1)", writersLock); err != nil {
		discard(c)
		return
	}
	c.Release()
}

func discard(c *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c.Conn().Close(ctx) // the pool drops a released closed connection
	c.Release()
}
