package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/approov-cli/approov/internal/store"
)

// The store.Recorder of an Update's transaction. Insert and Add are
// statements of the transaction that PostgreSQL's serializable checking
// does not count as reads: the unique check of ON CONFLICT reads the index
// with a dirty snapshot, which takes no predicate lock (a key inserted by
// a transaction still in flight waits for it, then is a serialization
// failure if it committed: one of two inserts of a key wins). The others
// run on a pool of their own (Store.side), each statement a READ
// COMMITTED transaction of its own, so that a transaction waiting for a side
// connection never holds the one it waits for.

var _ store.Recorder = (*pgTx)(nil)

// Insert implements store.Recorder.
func (t *pgTx) Insert(b store.Bucket, key string, value []byte) (bool, error) {
	if err := checkBucket(b); err != nil {
		return false, err
	}
	if err := t.forget(b, key); err != nil {
		return false, err
	}
	inserted := false
	err := t.send(func(q *pgx.Batch) {
		q.Queue(`INSERT INTO approov_kv (bucket, key, value) VALUES ($1, $2, $3)
			ON CONFLICT (bucket, key) DO NOTHING RETURNING true`, string(b), []byte(key), append([]byte{}, value...)).
			QueryRow(func(r pgx.Row) error { return ignoreNoRows(r.Scan(&inserted)) })
	}, false)
	if err != nil {
		return false, t.fail(err)
	}
	return inserted, nil
}

// Add implements store.Recorder; xmax is 0 in a row this statement
// inserted.
func (t *pgTx) Add(b store.Bucket, key string, d int64) (bool, error) {
	if err := checkBucket(b); err != nil {
		return false, err
	}
	if err := t.forget(b, key); err != nil {
		return false, err
	}
	created := false
	err := t.send(func(q *pgx.Batch) {
		q.Queue(`INSERT INTO approov_kv AS kv (bucket, key, value) VALUES ($1, $2, int8send($3::bigint))
			ON CONFLICT (bucket, key) DO UPDATE SET value = int8send($3::bigint +
				CASE WHEN length(kv.value) = 8 THEN ('x' || encode(kv.value, 'hex'))::bit(64)::bigint ELSE 0 END)
			RETURNING kv.xmax = 0`, string(b), []byte(key), d).
			QueryRow(func(r pgx.Row) error { return r.Scan(&created) })
	}, false)
	if err != nil {
		return false, t.fail(err)
	}
	return created, nil
}

func ignoreNoRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	return err
}

// side sends queue's statements on the side pool, bounded by
// client_timeout. Its connections default to READ COMMITTED (connect),
// so each statement is a transaction of its own, committed at once. A
// batch that fails on a connection the server closed (a restart: every
// pooled one is dead then) is sent once more after the pool is reset, as
// a transaction's first batch is (tx.go): reads and purges of garbage may
// run twice (a key the first run purged is then not returned, and its
// index entry is left to the Expiry sweep).
func (t *pgTx) side(queue func(*pgx.Batch)) error {
	send := func() error {
		ctx, cancel := context.WithTimeout(t.ctx, t.s.wait)
		defer cancel()
		b := &pgx.Batch{}
		queue(b)
		return t.s.side.SendBatch(ctx, b).Close()
	}
	err := send()
	if err != nil && brokenConn(err) && t.ctx.Err() == nil {
		t.s.side.Reset()
		err = send()
	}
	if err != nil {
		return dbError(t.s.where, err)
	}
	return nil
}

// sidePage is how many pairs a committed read takes at a time.
const sidePage = 1024

// Tidy implements store.Recorder: the purges and the read's first page
// in one round trip. A row another transaction deleted first is skipped
// (READ COMMITTED re-checks it), so each key is returned by one purge.
func (t *pgTx) Tidy(purge []store.Range, limit int, read store.Range, fn func(string, []byte) error) ([][]string, error) {
	for _, r := range append(purge, read) {
		if err := checkBucket(r.Bucket); err != nil {
			return nil, err
		}
	}
	purged := make([][]string, len(purge))
	var page []kv
	err := t.side(func(q *pgx.Batch) {
		for i, r := range purge {
			sql, args := pageQuery(r.Bucket, "key", []byte(r.Start), false, r.End, limit)
			q.Queue(`DELETE FROM approov_kv WHERE bucket = $1 AND key IN (`+sql+`) RETURNING key`, args...).
				Query(func(rows pgx.Rows) (err error) { purged[i], err = collectKeys(rows); return err })
		}
		sql, args := pageQuery(read.Bucket, "key, value", []byte(read.Start), false, read.End, sidePage)
		q.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) { page, err = collect(rows); return err })
	})
	if err == nil {
		err = t.readCommitted(read, page, fn)
	}
	return purged, err
}

func collectKeys(rows pgx.Rows) ([]string, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var k []byte
		err := r.Scan(&k)
		return string(k), err
	})
}

// readCommitted calls fn for page's pairs and reads on past it while
// pages are full.
func (t *pgTx) readCommitted(r store.Range, page []kv, fn func(string, []byte) error) error {
	for {
		for _, p := range page {
			if err := fn(string(p.key), p.value); err != nil {
				return ignoreStop(err)
			}
		}
		if len(page) < sidePage {
			return nil
		}
		sql, args := pageQuery(r.Bucket, "key, value", page[len(page)-1].key, true, r.End, sidePage)
		if err := t.side(func(q *pgx.Batch) {
			q.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) { page, err = collect(rows); return err })
		}); err != nil {
			return err
		}
	}
}

func ignoreStop(err error) error {
	if errors.Is(err, store.ErrStop) {
		return nil
	}
	return err
}

// PurgeKeys implements store.Recorder.
func (t *pgTx) PurgeKeys(b store.Bucket, keys []string) error {
	if err := checkBucket(b); err != nil || len(keys) == 0 {
		return err
	}
	raw := make([][]byte, len(keys))
	for i, k := range keys {
		raw[i] = []byte(k)
	}
	return t.side(func(q *pgx.Batch) {
		q.Queue(`DELETE FROM approov_kv WHERE bucket = $1 AND key = ANY($2::bytea[])`, string(b), raw)
	})
}
