package postgres_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
)

// admission is an admission of key counted in count, summing the counts
// of prefix "c|".
func admission(key, count string) store.Admission {
	return store.Admission{
		Insert: store.Key{Bucket: store.Nonces, Key: key},
		Index:  []store.Key{{Bucket: store.Expiry, Key: "x\x00" + key}, {Bucket: store.Expiry, Key: "x\x00" + count}},
		Count:  store.Key{Bucket: store.NonceCounts, Key: count},
		Live:   store.Range{Bucket: store.NonceCounts, Start: "c|", End: "c}"},
	}
}

func countAt(t *testing.T, s store.Store, key string) int64 {
	t.Helper()
	var n int64
	err := s.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(store.NonceCounts, key)
		if err == nil && len(v) == 8 {
			n = int64(binary.BigEndian.Uint64(v))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAdmitOnceAcrossInstances: 64 admissions of each of 8 keys, at once
// through two stores on one database (two instances), insert each key
// once; the counts hold one per key and the index keys are written.
func TestAdmitOnceAcrossInstances(t *testing.T) {
	a, url := newStore(t)
	b, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var inserted [8]atomic.Int32
	var wg sync.WaitGroup
	for i := range 64 {
		st := []*postgres.Store{a, b}[i%2]
		for k := range inserted {
			wg.Go(func() {
				got, err := st.Admit(ctx, admission(fmt.Sprintf("n%d", k), fmt.Sprintf("c|%d", k%2)))
				if err != nil {
					t.Error(err)
				}
				if got.Inserted {
					inserted[k].Add(1)
				}
			})
		}
	}
	wg.Wait()
	for k := range inserted {
		if n := inserted[k].Load(); n != 1 {
			t.Errorf("key n%d inserted %d times, want once", k, n)
		}
	}
	if c0, c1 := countAt(t, a, "c|0"), countAt(t, a, "c|1"); c0 != 4 || c1 != 4 {
		t.Errorf("counts %d and %d, want 4 and 4", c0, c1)
	}
	err = a.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(store.Expiry, "x\x00n3")
		return err
	})
	if err != nil {
		t.Errorf("index key of an admission: %v", err)
	}
}

// TestAdmitLive: each admission reports the live sum before it (the
// committed counts, plus those admitted ahead of it), and a refused one
// (a replay) adds nothing.
func TestAdmitLive(t *testing.T) {
	s, _ := newStore(t)
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Put(store.NonceCounts, "c|old", binary.BigEndian.AppendUint64(nil, 10))
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		key    string
		insert bool
		live   int64
	}{{"a", true, 10}, {"b", true, 11}, {"a", false, 12}, {"c", true, 12}} {
		got, err := s.Admit(ctx, admission(want.key, "c|new"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Inserted != want.insert || got.Live != want.live {
			t.Errorf("admission %d (%s): %+v, want inserted %v, live %d", i, want.key, got, want.insert, want.live)
		}
	}
	if n := countAt(t, s, "c|new"); n != 3 {
		t.Errorf("count %d, want 3", n)
	}
}

// TestAdmitRefusesBadAdmissions: an unknown bucket or a live range with
// no end is an error, and nothing is written.
func TestAdmitRefusesBadAdmissions(t *testing.T) {
	s, _ := newStore(t)
	bad := admission("k", "c|1")
	bad.Count.Bucket = "nope"
	noEnd := admission("k", "c|1")
	noEnd.Live.End = ""
	for _, a := range []store.Admission{bad, noEnd} {
		if _, err := s.Admit(ctx, a); err == nil {
			t.Errorf("admission %+v accepted", a)
		}
	}
	err := s.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(store.Nonces, "k")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused admission wrote its key: %v", err)
	}
}

// TestPrefetch: prefetched reads answer as Gets would, a missing key
// included, and a write in between is read back.
func TestPrefetch(t *testing.T) {
	s, _ := newStore(t)
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(store.Accounts, "empty", nil); err != nil {
			return err
		}
		return tx.Put(store.Accounts, "a", []byte("one"))
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := []store.Key{{Bucket: store.Accounts, Key: "a"}, {Bucket: store.Accounts, Key: "missing"}, {Bucket: store.Accounts, Key: "empty"}}
	err = s.Update(ctx, func(tx store.Tx) error {
		store.Prefetch(tx, keys...)
		if v, err := tx.Get(store.Accounts, "empty"); err != nil || v == nil || len(v) != 0 {
			return fmt.Errorf("prefetched empty value: %q, %v", v, err)
		}
		if v, err := tx.Get(store.Accounts, "a"); err != nil || string(v) != "one" {
			return fmt.Errorf("prefetched a: %q, %v", v, err)
		}
		if _, err := tx.Get(store.Accounts, "missing"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("prefetched missing key: %v", err)
		}
		if err := tx.Put(store.Accounts, "a", []byte("two")); err != nil {
			return err
		}
		if v, err := tx.Get(store.Accounts, "a"); err != nil || string(v) != "two" {
			return fmt.Errorf("a after its Put: %q, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPeek: a Peek reads what is committed and refuses writes.
func TestPeek(t *testing.T) {
	s, _ := newStore(t)
	err := s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Accounts, "a", []byte("one")) })
	if err != nil {
		t.Fatal(err)
	}
	err = s.Peek(ctx, func(tx store.Tx) error {
		store.Prefetch(tx, store.Key{Bucket: store.Users, Key: "u"})
		if v, err := tx.Get(store.Accounts, "a"); err != nil || string(v) != "one" {
			return fmt.Errorf("peek a: %q, %v", v, err)
		}
		if _, err := tx.Get(store.Users, "u"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("peek missing key: %v", err)
		}
		if err := tx.Put(store.Accounts, "b", nil); err == nil {
			return errors.New("a Peek wrote")
		}
		if err := tx.Delete(store.Accounts, "a"); err == nil {
			return errors.New("a Peek deleted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
