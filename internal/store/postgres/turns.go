package postgres

import (
	"context"
	"strconv"
	"time"

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

// sharedBegin begins an optimistic attempt (sent with its first
// statement, tx.go).
var sharedBegin = []string{"BEGIN ISOLATION LEVEL SERIALIZABLE",
	"SELECT pg_advisory_xact_lock_shared(" + strconv.FormatInt(writersLock, 10) + ")"}

// beginWrite starts attempt n's transaction: shared for the first
// attempts; then on a connection of its own that holds writersLock
// exclusively until the transaction ended.
func (s *Store) beginWrite(ctx context.Context, n int) (*pgTx, error) {
	if n < exclusiveAfter {
		return s.newTx(ctx, sharedBegin...), nil
	}
	bctx, cancel := context.WithTimeout(ctx, s.wait)
	defer cancel()
	c, err := s.pool.Acquire(bctx)
	if err != nil {
		return nil, dbError(s.where, err)
	}
	if _, err = c.Exec(bctx, "SELECT pg_advisory_lock($1)", writersLock); err != nil {
		discard(c) // it may hold the lock: never back to the pool
		return nil, dbError(s.where, err)
	}
	return &pgTx{ctx: ctx, s: s, pool: s.pool, conn: c, begin: []string{"BEGIN ISOLATION LEVEL SERIALIZABLE"}, end: unlock}, nil
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
