package postgres_test

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/approov-cli/approov/internal/store"
)

// recorder runs fn on an Update's transaction as a store.Recorder.
func recorder(t *testing.T, s store.Store, fn func(store.Tx, store.Recorder) error) error {
	t.Helper()
	return s.Update(ctx, func(tx store.Tx) error {
		r, ok := tx.(store.Recorder)
		if !ok {
			t.Fatal("an Update's transaction is not a store.Recorder")
		}
		return fn(tx, r)
	})
}

func count(t *testing.T, s store.Store, key string) int64 {
	t.Helper()
	var v []byte
	if err := s.View(ctx, func(tx store.Tx) (err error) { v, err = tx.Get(store.NonceCounts, key); return err }); err != nil || len(v) != 8 {
		t.Fatalf("count %q: %x, %v", key, v, err)
	}
	return int64(binary.BigEndian.Uint64(v))
}

// TestRecorderInsertAdd: Insert writes a key once and tells; Add creates
// a count (telling so once) and adds to it, negative numbers included;
// a rolled-back transaction's Insert and Add are gone with it.
func TestRecorderInsertAdd(t *testing.T) {
	s, _ := newStore(t)
	var got []bool
	err := recorder(t, s, func(_ store.Tx, r store.Recorder) error {
		got = got[:0]
		for _, d := range []int64{1, 1, -5} {
			created, err := r.Add(store.NonceCounts, "c|1", d)
			if err != nil {
				return err
			}
			got = append(got, created)
		}
		for range 2 {
			ok, err := r.Insert(store.Nonces, "c|n", []byte("v"))
			if err != nil {
				return err
			}
			got = append(got, ok)
		}
		return nil
	})
	if err != nil || !slices.Equal(got, []bool{true, false, false, true, false}) {
		t.Fatalf("created/inserted %v, %v", got, err)
	}
	if n := count(t, s, "c|1"); n != -3 {
		t.Fatalf("count %d, want -3", n)
	}
	boom := errors.New("boom")
	err = recorder(t, s, func(_ store.Tx, r store.Recorder) error {
		if _, err := r.Add(store.NonceCounts, "c|1", 10); err != nil {
			return err
		}
		if _, err := r.Insert(store.Nonces, "c|m", nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count(t, s, "c|1") != -3 {
		t.Fatalf("rolled back: %v, count %d", err, count(t, s, "c|1"))
	}
	err = s.View(ctx, func(tx store.Tx) error { _, err := tx.Get(store.Nonces, "c|m"); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a rolled-back Insert: %v, want not found", err)
	}
}

// TestRecorderInsertRace: of 8 transactions inserting one key at once,
// exactly one commits having inserted it (the others retry and see it).
func TestRecorderInsertRace(t *testing.T) {
	s, _ := newStore(t)
	var inserted atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var ok bool
			err := recorder(t, s, func(_ store.Tx, r store.Recorder) (err error) {
				ok, err = r.Insert(store.Nonces, "c|race", nil)
				return err
			})
			if err != nil {
				t.Error(err)
			}
			if ok {
				inserted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := inserted.Load(); n != 1 {
		t.Fatalf("inserted %d times, want once", n)
	}
}

// TestRecorderTidy: Tidy's purges commit even when the transaction rolls
// back, delete a key once however many purge it, and are limited; its
// read sees committed pairs only, past a full page too; PurgeKeys deletes
// the keys given.
func TestRecorderTidy(t *testing.T) {
	s, _ := newStore(t)
	err := s.Update(ctx, func(tx store.Tx) error {
		for _, k := range []string{"a|1", "a|2", "a|3", "b|1", "b|2", "c|1"} {
			if err := tx.Put(store.Nonces, k, nil); err != nil {
				return err
			}
		}
		for i := range 1500 {
			if err := tx.Put(store.NonceCounts, string(binary.BigEndian.AppendUint32([]byte("r|"), uint32(i))), binary.BigEndian.AppendUint64(nil, 1)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var purged [][]string
	read := 0
	boom := errors.New("boom")
	err = recorder(t, s, func(tx store.Tx, r store.Recorder) (err error) {
		read = 0
		if err := tx.Put(store.NonceCounts, "r|uncommitted", nil); err != nil {
			return err
		}
		purged, err = r.Tidy([]store.Range{{Bucket: store.Nonces, Start: "a|", End: "a}"}, {Bucket: store.Nonces, Start: "b|", End: "b}"}}, 2,
			store.Range{Bucket: store.NonceCounts, Start: "r|", End: "r}"}, func(string, []byte) error { read++; return nil })
		if err == nil {
			err = r.PurgeKeys(store.Nonces, []string{"c|1", "c|2"})
		}
		return errors.Join(err, boom)
	})
	if !errors.Is(err, boom) || errors.Is(err, store.ErrConflict) {
		t.Fatal(err)
	}
	slices.Sort(purged[0])
	slices.Sort(purged[1])
	if !slices.Equal(purged[0], []string{"a|1", "a|2"}) || !slices.Equal(purged[1], []string{"b|1", "b|2"}) || read != 1500 {
		t.Fatalf("purged %q, read %d", purged, read)
	}
	var left []string
	err = s.View(ctx, func(tx store.Tx) error {
		return tx.Scan(store.Nonces, "", "", func(k string, _ []byte) error { left = append(left, k); return nil })
	})
	if err != nil || !slices.Equal(left, []string{"a|3"}) {
		t.Fatalf("left %q, %v", left, err)
	}
	err = recorder(t, s, func(_ store.Tx, r store.Recorder) (err error) {
		purged, err = r.Tidy([]store.Range{{Bucket: store.Nonces, Start: "a|", End: "a|3"}}, 10, store.Range{Bucket: store.Nonces, Start: "z"}, func(string, []byte) error { return errors.New("read a pair") })
		return err
	})
	if err != nil || len(purged[0]) != 0 {
		t.Fatalf("purged again %q, %v", purged, err)
	}
}
