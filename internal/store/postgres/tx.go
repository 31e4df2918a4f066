package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/approov-cli/approov/internal/store"
)

// pgTx is a store.Tx on one PostgreSQL transaction, sent lazily to save
// round trips (each costs both processes a wake-up): its BEGIN goes with
// its first statement, and writes (Put, Delete: nothing waits for their
// answers) wait for the next read or the commit and go with it, the whole
// pipelined as one batch. A write's error therefore surfaces at that
// read or the commit, which fails the attempt all the same. conflict
// records the first statement the database refused as a lost race: the
// transaction is aborted from then on, and Update retries it.
type pgTx struct {
	ctx      context.Context
	s        *Store
	pool     *pgxpool.Pool       // where conn comes from
	conn     *pgxpool.Conn       // nil until the first batch (or a turn's own)
	begin    []string            // what opens the transaction, until sent
	writes   []write             // queued writes, until sent
	end      func(*pgxpool.Conn) // gives the connection back (a turn unlocks)
	retry    bool                // a first batch on a dead pooled connection is sent again
	begun    bool                // BEGIN was sent: end with COMMIT or ROLLBACK
	done     bool                // committed
	peek     bool                // a Peek: no transaction, no writes
	conflict error
	prefetch []store.Key               // keys to read with the next batch
	fetched  map[store.Key]fetchResult // what prefetched reads found
}

// fetchResult is a prefetched read: the value, or found false.
type fetchResult struct {
	value []byte
	found bool
}

type write struct {
	sql  string
	args []any
}

// newTx is a transaction that begin opens on a pooled connection.
func (s *Store) newTx(ctx context.Context, begin ...string) *pgTx {
	return &pgTx{ctx: ctx, s: s, pool: s.pool, begin: begin, end: (*pgxpool.Conn).Release, retry: true}
}

// bounded is t's context for one round trip: a database that stopped
// answering fails it after client_timeout (pgx then closes the connection).
func (t *pgTx) bounded() (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.ctx, t.s.wait)
}

// send sends whatever is pending (BEGIN, writes) and what queue adds in
// one batch. A first batch that fails on a connection the server closed
// (a restart, an ended partition: every pooled one is dead then) is sent
// once more on a new connection after the pool is reset: nothing had
// happened, unless the batch ends the transaction (final), when a commit
// may have happened and the caller is told instead.
func (t *pgTx) send(queue func(*pgx.Batch), final bool) error {
	begin, writes := t.begin, t.writes
	build := func() *pgx.Batch { // anew for each sending: pgx keeps state in a batch
		b := &pgx.Batch{}
		for _, q := range begin {
			b.Queue(q)
		}
		for _, w := range writes {
			b.Queue(w.sql, w.args...)
		}
		if queue != nil {
			queue(b)
		}
		return b
	}
	b := build()
	if b.Len() == 0 {
		return nil
	}
	first := !t.begun
	t.begin, t.writes, t.begun = nil, nil, true
	err := t.batch(b)
	if err != nil && first && !final && t.retry && brokenConn(err) && t.ctx.Err() == nil {
		if t.conn != nil {
			discard(t.conn)
			t.conn = nil
		}
		t.pool.Reset()
		err = t.batch(build())
	}
	return err
}

func (t *pgTx) batch(b *pgx.Batch) error {
	ctx, cancel := t.bounded()
	defer cancel()
	if t.conn == nil {
		c, err := t.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		t.conn = c
	}
	return t.conn.SendBatch(ctx, b).Close()
}

// commit sends the queued writes and COMMIT in one round trip; a
// transaction that sent nothing has nothing to commit.
func (t *pgTx) commit() error {
	if !t.begun && len(t.writes) == 0 {
		t.done = true
		return nil
	}
	var tag pgconn.CommandTag
	err := t.send(func(b *pgx.Batch) {
		b.Queue("COMMIT").Exec(func(ct pgconn.CommandTag) error { tag = ct; return nil })
	}, true)
	if err == nil && tag.String() == "ROLLBACK" {
		err = pgx.ErrTxCommitRollback // the transaction had failed
	}
	if err != nil {
		return t.fail(err)
	}
	t.done = true
	return nil
}

// rollback ends the transaction (a no-op after commit), bounded even when
// t.ctx has ended, and gives the connection back; one that cannot say
// ROLLBACK is closed, which ends its transaction and its locks.
func (t *pgTx) rollback() {
	c := t.conn
	if c == nil {
		return
	}
	t.conn = nil
	if t.begun && !t.done {
		ctx, cancel := context.WithTimeout(context.Background(), t.s.wait)
		_, err := c.Exec(ctx, "ROLLBACK")
		cancel()
		if err != nil {
			discard(c)
			return
		}
	}
	t.end(c)
}

func (t *pgTx) fail(err error) error {
	err = dbError(t.s.where, err)
	if errors.Is(err, store.ErrConflict) && t.conflict == nil {
		t.conflict = err
	}
	return err
}

func checkBucket(b store.Bucket) error {
	if !slices.Contains(store.Buckets, b) {
		return fmt.Errorf("store: no bucket %q", b)
	}
	return nil
}

// Get reads key, with any prefetched keys (Prefetch) in the same round
// trip, or answers from what a prefetch found.
func (t *pgTx) Get(b store.Bucket, key string) ([]byte, error) {
	if err := checkBucket(b); err != nil {
		return nil, err
	}
	k := store.Key{Bucket: b, Key: key}
	if _, ok := t.fetched[k]; !ok {
		keys := append([]store.Key{k}, t.prefetch...)
		t.prefetch = nil
		if err := t.send(func(q *pgx.Batch) { t.queueGets(q, keys) }, false); err != nil {
			return nil, t.fail(err)
		}
	}
	r := t.fetched[k]
	switch {
	case !r.found:
		return nil, store.ErrNotFound
	case r.value == nil:
		return []byte{}, nil
	}
	return bytes.Clone(r.value), nil
}

// queueGets queues the reads of keys, each found value kept in t.fetched.
func (t *pgTx) queueGets(q *pgx.Batch, keys []store.Key) {
	if t.fetched == nil {
		t.fetched = map[store.Key]fetchResult{}
	}
	for _, k := range keys {
		q.Queue(`SELECT value FROM approov_kv WHERE bucket = $1 AND key = $2`, string(k.Bucket), []byte(k.Key)).QueryRow(func(r pgx.Row) error {
			var v []byte // pgx copies bytea into a new slice
			err := r.Scan(&v)
			if errors.Is(err, pgx.ErrNoRows) {
				t.fetched[k] = fetchResult{}
				return nil
			}
			t.fetched[k] = fetchResult{value: v, found: err == nil}
			return err
		})
	}
}

// Prefetch implements store.Prefetcher: keys of a known bucket not read
// yet go with the next batch.
func (t *pgTx) Prefetch(keys ...store.Key) {
	for _, k := range keys {
		if _, done := t.fetched[k]; !done && checkBucket(k.Bucket) == nil {
			t.prefetch = append(t.prefetch, k)
		}
	}
}

// forget drops what a read found of a key the transaction writes, so a
// later Get reads the write.
func (t *pgTx) forget(b store.Bucket, key string) error {
	if t.peek {
		return errPeekWrite
	}
	delete(t.fetched, store.Key{Bucket: b, Key: key})
	return nil
}

var errPeekWrite = errors.New("store: a Peek cannot write")

// Put queues the write (see pgTx); the value is copied, the caller's
// slice being its own again.
func (t *pgTx) Put(b store.Bucket, key string, value []byte) error {
	if err := checkBucket(b); err != nil {
		return err
	}
	if err := t.forget(b, key); err != nil {
		return err
	}
	t.writes = append(t.writes, write{`INSERT INTO approov_kv (bucket, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (bucket, key) DO UPDATE SET value = EXCLUDED.value`, []any{string(b), []byte(key), append([]byte{}, value...)}})
	return nil
}

// Delete queues the write (see pgTx).
func (t *pgTx) Delete(b store.Bucket, key string) error {
	if err := checkBucket(b); err != nil {
		return err
	}
	if err := t.forget(b, key); err != nil {
		return err
	}
	t.writes = append(t.writes, write{`DELETE FROM approov_kv WHERE bucket = $1 AND key = $2`, []any{string(b), []byte(key)}})
	return nil
}

// Scan reads the range in pages (16 keys, growing to 1024), each read
// whole before fn sees it, so fn may use the transaction (one connection
// holds one result at a time) and a scan stopped early read little more
// than it used.
func (t *pgTx) Scan(b store.Bucket, start, end string, fn func(string, []byte) error) error {
	if err := checkBucket(b); err != nil {
		return err
	}
	from, after, limit := []byte(start), false, 16
	for {
		page, err := t.page(b, from, after, end, limit)
		if err != nil {
			return err
		}
		for _, kv := range page {
			if err := fn(string(kv.key), kv.value); err != nil {
				if errors.Is(err, store.ErrStop) {
					return nil
				}
				return err
			}
		}
		if len(page) < limit {
			return nil
		}
		from, after, limit = page[len(page)-1].key, true, min(limit*4, 1024)
	}
}

type kv struct{ key, value []byte }

// page reads up to limit pairs from (after: past) from, below end.
func (t *pgTx) page(b store.Bucket, from []byte, after bool, end string, limit int) ([]kv, error) {
	sql, args := pageQuery(b, "key, value", from, after, end, limit)
	var page []kv
	err := t.send(func(q *pgx.Batch) {
		q.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) { page, err = collect(rows); return err })
	}, false)
	if err != nil {
		return nil, t.fail(err)
	}
	return page, nil
}

// pageQuery selects columns of up to limit rows of b from (after: past)
// from, below end ("": no bound), in key order.
func pageQuery(b store.Bucket, columns string, from []byte, after bool, end string, limit int) (string, []any) {
	q, args := `SELECT `+columns+` FROM approov_kv WHERE bucket = $1 AND key >= $2`, []any{string(b), from, limit}
	if after {
		q = `SELECT ` + columns + ` FROM approov_kv WHERE bucket = $1 AND key > $2`
	}
	if end != "" {
		q, args = q+` AND key < $4`, append(args, []byte(end))
	}
	return q + ` ORDER BY key LIMIT $3`, args
}

func collect(rows pgx.Rows) ([]kv, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (kv, error) {
		var p kv
		err := r.Scan(&p.key, &p.value)
		if p.value == nil {
			p.value = []byte{}
		}
		return p, err
	})
}
