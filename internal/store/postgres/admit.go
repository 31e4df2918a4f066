package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// Admissions (store.Admitter) go in groups, as the bbolt store's updates
// do (store.Gather): one flusher at a time takes every admission
// waiting, sends them as one statement on the side pool (READ COMMITTED,
// a transaction of its own: one commit, one WAL flush), and meanwhile the
// next group gathers. An idle store sends a lone admission at once.
//
// Of two admissions of one key on any instances, one inserts it: ON
// CONFLICT DO NOTHING waits for a concurrent insert of the key to end and
// skips the row when it committed. Within a group, the first admission of
// a key is sent and later ones are not inserted. The statement is atomic:
// refused (a deadlock between two groups updating the same count rows,
// which the ordered inserts make rare) it wrote nothing and is sent again,
// at most store.MaxAttempts times.

// maxAdmitGroup bounds the admissions of one statement.
const maxAdmitGroup = 512

type admitCall struct {
	a    store.Admission
	done chan admitResult // buffered: the flusher never waits for a caller
}

type admitResult struct {
	got store.Admitted
	err error
}

// Admit implements store.Admitter. A caller whose context ends stops
// waiting; its admission may still be committed.
func (s *Store) Admit(ctx context.Context, a store.Admission) (store.Admitted, error) {
	if err := checkAdmission(a); err != nil {
		return store.Admitted{}, err
	}
	c := &admitCall{a: a, done: make(chan admitResult, 1)}
	s.admits.Add(c)
	select {
	case r := <-c.done:
		return r.got, r.err
	case <-ctx.Done():
		return store.Admitted{}, fault.Wrap(fault.Cancelled, ctx.Err())
	}
}

func checkAdmission(a store.Admission) error {
	if a.Live.End == "" {
		return errors.New("store: an admission's live range needs an end") // an index scan, not a table's
	}
	keys := append([]store.Key{a.Insert, a.Count, {Bucket: a.Live.Bucket}}, a.Index...)
	for _, k := range keys {
		if err := checkBucket(k.Bucket); err != nil {
			return err
		}
	}
	return nil
}

// flushAdmits sends one group of admissions and tells each its outcome.
func (s *Store) flushAdmits(calls []*admitCall) {
	got, err := s.admitGroup(calls)
	for i, c := range calls {
		c.done <- admitResult{got: got[i], err: err}
	}
}

// admitGroup sends one group's statement, again after a conflict, and
// returns each admission's outcome.
func (s *Store) admitGroup(calls []*admitCall) ([]store.Admitted, error) {
	g := newAdmitGroup(calls)
	err := store.Retry(context.Background(), func() error { return s.sendAdmits(g) })
	if err != nil {
		return make([]store.Admitted, len(calls)), err
	}
	return g.outcomes(), nil
}

// sendAdmits runs g's statement once, bounded by client_timeout. A
// connection that broke is not tried again: the commit may have happened,
// and a second run would refuse every admission as a replay of itself.
func (s *Store) sendAdmits(g *admitGroup) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.wait)
	defer cancel()
	g.reset()
	rows, err := s.side.Query(ctx, admitSQL, g.args()...)
	if err == nil {
		err = g.scan(rows)
	}
	if err != nil && brokenConn(err) {
		s.side.Reset()
	}
	return dbError(s.where, err)
}

// admitSQL inserts the group's new keys ($1, $2; each with its count key,
// $3, $4), its index keys ($5, $6), adds each inserted key's 1 to its
// count, and returns the ordinal of each inserted key (kind 0) and the
// sum of each live range ($7 to $9; kind 1) as committed before the
// statement (every part of one statement sees one snapshot), each range
// a subquery of its own so that it is an index range scan. The inserts go
// in key order, so two groups lock shared count rows in one order.
var admitSQL = `WITH n AS (
	SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::bytea[]) WITH ORDINALITY AS n(b, k, cb, ck, i)
), ins AS (
	INSERT INTO approov_kv (bucket, key, value) SELECT b, k, '' FROM n ORDER BY b, k
	ON CONFLICT (bucket, key) DO NOTHING RETURNING bucket, key
), idx AS (
	INSERT INTO approov_kv (bucket, key, value)
	SELECT DISTINCT b, k, ''::bytea FROM unnest($5::text[], $6::bytea[]) AS x(b, k) ORDER BY b, k
	ON CONFLICT (bucket, key) DO NOTHING
), cnt AS (
	INSERT INTO approov_kv AS kv (bucket, key, value)
	SELECT n.cb, n.ck, int8send(count(*)) FROM n JOIN ins ON ins.bucket = n.b AND ins.key = n.k
	GROUP BY n.cb, n.ck ORDER BY n.cb, n.ck
	ON CONFLICT (bucket, key) DO UPDATE SET value = int8send(` + countOf("EXCLUDED.value") + ` + ` + countOf("kv.value") + `)
)
SELECT 0, n.i, 0::bigint FROM n JOIN ins ON ins.bucket = n.b AND ins.key = n.k
UNION ALL
SELECT 1, r.i, (SELECT coalesce(sum(` + countOf("kv.value") + `), 0)::bigint
	FROM approov_kv kv WHERE kv.bucket = r.b AND kv.key >= r.lo AND kv.key < r.hi)
FROM unnest($7::text[], $8::bytea[], $9::bytea[]) WITH ORDINALITY AS r(b, lo, hi, i)`

// countOf decodes a count value (8 bytes big-endian; anything else is 0).
func countOf(v string) string {
	return `CASE WHEN length(` + v + `) = 8 THEN ('x' || encode(` + v + `, 'hex'))::bit(64)::bigint ELSE 0 END`
}

// admitGroup is one statement's admissions: the distinct keys sent, the
// distinct live ranges read, and what came back.
type admitGroup struct {
	calls    []*admitCall
	first    []int        // per call: the index of its key in keys, -1 for a repeat
	keys     []*admitCall // the call that sends each distinct key
	ranges   map[store.Range]int
	index    []store.Key
	inserted []bool  // per distinct key
	live     []int64 // per distinct range
}

func newAdmitGroup(calls []*admitCall) *admitGroup {
	g := &admitGroup{calls: calls, first: make([]int, len(calls)), ranges: map[store.Range]int{}}
	seen, indexed := map[store.Key]bool{}, map[store.Key]bool{}
	for i, c := range calls {
		g.first[i] = -1
		if !seen[c.a.Insert] {
			seen[c.a.Insert] = true
			g.first[i] = len(g.keys)
			g.keys = append(g.keys, c)
		}
		if _, ok := g.ranges[c.a.Live]; !ok {
			g.ranges[c.a.Live] = len(g.ranges)
		}
		for _, k := range c.a.Index {
			if !indexed[k] {
				indexed[k] = true
				g.index = append(g.index, k)
			}
		}
	}
	return g
}

func (g *admitGroup) reset() {
	g.inserted, g.live = make([]bool, len(g.keys)), make([]int64, len(g.ranges))
}

// args are admitSQL's nine arrays.
func (g *admitGroup) args() []any {
	nb, nk, cb, ck := make([]string, len(g.keys)), make([][]byte, len(g.keys)), make([]string, len(g.keys)), make([][]byte, len(g.keys))
	for i, c := range g.keys {
		nb[i], nk[i], cb[i], ck[i] = string(c.a.Insert.Bucket), []byte(c.a.Insert.Key), string(c.a.Count.Bucket), []byte(c.a.Count.Key)
	}
	xb, xk := make([]string, len(g.index)), make([][]byte, len(g.index))
	for i, k := range g.index {
		xb[i], xk[i] = string(k.Bucket), []byte(k.Key)
	}
	lb, lo, hi := make([]string, len(g.ranges)), make([][]byte, len(g.ranges)), make([][]byte, len(g.ranges))
	for r, i := range g.ranges {
		lb[i], lo[i], hi[i] = string(r.Bucket), []byte(r.Start), []byte(r.End)
	}
	return []any{nb, nk, cb, ck, xb, xk, lb, lo, hi}
}

// scan reads the statement's rows: (0, key ordinal) for an inserted key,
// (1, range ordinal, sum) for a live range (ordinals count from 1).
func (g *admitGroup) scan(rows pgx.Rows) error {
	defer rows.Close()
	for rows.Next() {
		var kind int
		var i, sum int64
		if err := rows.Scan(&kind, &i, &sum); err != nil {
			return err
		}
		switch {
		case kind == 0 && i >= 1 && int(i) <= len(g.inserted):
			g.inserted[i-1] = true
		case kind == 1 && i >= 1 && int(i) <= len(g.live):
			g.live[i-1] = sum
		}
	}
	return rows.Err()
}

// outcomes are the calls' results in their order: a repeated key is not
// inserted; each live sum grows by the inserted admissions before it.
func (g *admitGroup) outcomes() []store.Admitted {
	out := make([]store.Admitted, len(g.calls))
	ahead := make([]int64, len(g.ranges))
	for i, c := range g.calls {
		r := g.ranges[c.a.Live]
		out[i].Live = g.live[r] + ahead[r]
		if k := g.first[i]; k >= 0 && g.inserted[k] {
			out[i].Inserted = true
			ahead[r]++
		}
	}
	return out
}
