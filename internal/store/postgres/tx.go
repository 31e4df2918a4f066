package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/approov-cli/approov/internal/store"
)

// pgTx is a store.Tx on one PostgreSQL transaction. conflict records the
// first statement the database refused as a lost race: the transaction is
// aborted from then on, and Update retries it.
type pgTx struct {
	ctx      context.Context
	tx       pgx.Tx
	where    string
	wait     time.Duration // each round trip's bound (client_timeout)
	conflict error
}

// bounded is t's context for one round trip: a database that stopped
// answering fails it after t.wait (pgx then closes the connection).
func (t *pgTx) bounded() (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.ctx, t.wait)
}

func (t *pgTx) commit() error {
	ctx, cancel := t.bounded()
	defer cancel()
	return dbError(t.where, t.tx.Commit(ctx))
}

// rollback ends the transaction (a no-op after commit), bounded even when
// t.ctx has ended.
func (t *pgTx) rollback() {
	ctx, cancel := context.WithTimeout(context.Background(), t.wait)
	defer cancel()
	t.tx.Rollback(ctx)
}

func (t *pgTx) fail(err error) error {
	err = dbError(t.where, err)
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

func (t *pgTx) Get(b store.Bucket, key string) ([]byte, error) {
	if err := checkBucket(b); err != nil {
		return nil, err
	}
	ctx, cancel := t.bounded()
	defer cancel()
	var v []byte // pgx copies bytea into a new slice
	err := t.tx.QueryRow(ctx, `SELECT value FROM approov_kv WHERE bucket = $1 AND key = $2`, string(b), []byte(key)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, t.fail(err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

func (t *pgTx) Put(b store.Bucket, key string, value []byte) error {
	if err := checkBucket(b); err != nil {
		return err
	}
	if value == nil {
		value = []byte{} // the column is NOT NULL; an empty value is a value
	}
	ctx, cancel := t.bounded()
	defer cancel()
	_, err := t.tx.Exec(ctx, `INSERT INTO approov_kv (bucket, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (bucket, key) DO UPDATE SET value = EXCLUDED.value`, string(b), []byte(key), value)
	return t.fail(err)
}

func (t *pgTx) Delete(b store.Bucket, key string) error {
	if err := checkBucket(b); err != nil {
		return err
	}
	ctx, cancel := t.bounded()
	defer cancel()
	_, err := t.tx.Exec(ctx, `DELETE FROM approov_kv WHERE bucket = $1 AND key = $2`, string(b), []byte(key))
	return t.fail(err)
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
	q, args := `SELECT key, value FROM approov_kv WHERE bucket = $1 AND key >= $2`, []any{string(b), from}
	if after {
		q = `SELECT key, value FROM approov_kv WHERE bucket = $1 AND key > $2`
	}
	if end != "" {
		q, args = q+` AND key < $4`, append(args, nil, []byte(end))
	} else {
		args = append(args, nil)
	}
	args[2] = limit
	q = q + ` ORDER BY key LIMIT $3`
	ctx, cancel := t.bounded()
	defer cancel()
	rows, err := t.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, t.fail(err)
	}
	page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (kv, error) {
		var p kv
		err := r.Scan(&p.key, &p.value)
		if p.value == nil {
			p.value = []byte{}
		}
		return p, err
	})
	if err != nil {
		return nil, t.fail(err)
	}
	return page, nil
}
