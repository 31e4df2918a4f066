// Package storetest is the conformance suite for store.Store
// implementations: bbolt today, PostgreSQL next. It checks the contract
// the package doc of internal/store states: key ranges, rollback,
// serializable updates, and functions re-run after a conflict with a clean
// view. A store under test must implement store.ConflictInjector.
package storetest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// Run runs the suite; newStore must return an empty store.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases := map[string]func(*testing.T, store.Store){
		"CRUD":              testCRUD,
		"ScanPrefixAndStop": testScan,
		"Rollback":          testRollback,
		"ScanRange":         testRange,
		"ConflictReruns":    testConflictReruns,
		"ConflictGivesUp":   testConflictGivesUp,
		"ErrorNotRetried":   testErrorNotRetried,
		"ValuesAreCopies":   testCopies,
		"SerialisedUpdates": testSerialised,
		"UnknownBucket":     testUnknownBucket,
		"PrefetchAndPeek":   testPrefetchAndPeek,
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) { fn(t, newStore(t)) })
	}
}

var ctx = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testCRUD(t *testing.T, s store.Store) {
	must(t, s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(store.Users, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing key: %v, want ErrNotFound", err)
		}
		must(t, tx.Put(store.Users, "k", []byte("v1")))
		must(t, tx.Put(store.Users, "k", []byte("v2")))
		v, err := tx.Get(store.Users, "k")
		if err != nil || string(v) != "v2" {
			t.Errorf("read own write: %q, %v", v, err)
		}
		return nil
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error {
		must(t, tx.Delete(store.Users, "k"))
		return tx.Delete(store.Users, "never-there") // deleting nothing is not an error
	}))
	must(t, s.View(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(store.Users, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted key: %v", err)
		}
		return nil
	}))
}

func testScan(t *testing.T, s store.Store) {
	must(t, s.Update(ctx, func(tx store.Tx) error {
		for _, k := range []string{"b\x002", "a\x00x", "b\x001", "b\x0010", "c"} {
			must(t, tx.Put(store.Audit, k, []byte(k)))
		}
		return nil
	}))
	must(t, s.View(ctx, func(tx store.Tx) error {
		var keys []string
		start, end := store.Prefix("b\x00")
		must(t, tx.Scan(store.Audit, start, end, func(k string, v []byte) error {
			if string(v) != k {
				t.Errorf("value of %q is %q", k, v)
			}
			keys = append(keys, k)
			return nil
		}))
		if got := strings.Join(keys, "|"); got != "b\x001|b\x0010|b\x002" {
			t.Errorf("scan order %q", got)
		}
		n := 0
		must(t, tx.Scan(store.Audit, "", "", func(string, []byte) error { n++; return store.ErrStop }))
		if n != 1 {
			t.Errorf("ErrStop: %d calls", n)
		}
		boom := errors.New("boom")
		if err := tx.Scan(store.Audit, "", "", func(string, []byte) error { return boom }); !errors.Is(err, boom) {
			t.Errorf("scan error: %v", err)
		}
		return nil
	}))
}

func testRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		must(t, tx.Put(store.Codes, "c", []byte("x")))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	must(t, s.View(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(store.Codes, "c"); !errors.Is(err, store.ErrNotFound) {
			t.Error("a failed transaction left a write behind")
		}
		return nil
	}))
}

func testCopies(t *testing.T, s store.Store) {
	var held []byte
	must(t, s.Update(ctx, func(tx store.Tx) error {
		must(t, tx.Put(store.Users, "k", []byte("value")))
		v, err := tx.Get(store.Users, "k")
		held = v
		return err
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Users, "k", []byte("other")) }))
	if string(held) != "value" {
		t.Fatalf("a value read earlier changed to %q", held)
	}
}

// testSerialised: 20 concurrent read-modify-write transactions lose nothing.
func testSerialised(t *testing.T, s store.Store) {
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			err := s.Update(ctx, func(tx store.Tx) error {
				n := 0
				if v, err := tx.Get(store.Limits, "n"); err == nil {
					n, _ = strconv.Atoi(string(v))
				}
				return tx.Put(store.Limits, "n", []byte(strconv.Itoa(n+1)))
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	must(t, s.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(store.Limits, "n")
		if string(v) != "20" {
			t.Errorf("counter %q after 20 increments", v)
		}
		return err
	}))
}

func testUnknownBucket(t *testing.T, s store.Store) {
	err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("no-such-bucket", "k", nil) })
	if err == nil {
		t.Fatal("an unknown bucket was accepted")
	}
}

// testRange: Scan reads exactly [start, end), and Prefix bounds a prefix
// even when its last byte is 0xff.
func testRange(t *testing.T, s store.Store) {
	keys := []string{"a", "a\x00", "a\xff", "a\xff\x01", "b", "b\x00", "c"}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		for _, k := range keys {
			must(t, tx.Put(store.Audit, k, nil))
		}
		return nil
	}))
	for _, c := range []struct{ start, end, want string }{
		{"a\x00", "b", "a\x00|a\xff|a\xff\x01"},
		{"a", "a", ""},
		{"b", "", "b|b\x00|c"},
		{"", "a\x00", "a"},
		{"b\x01", "c", ""},
	} {
		if got := scanKeys(t, s, c.start, c.end); got != c.want {
			t.Errorf("Scan [%q, %q) = %q, want %q", c.start, c.end, got, c.want)
		}
	}
	start, end := store.Prefix("a\xff")
	if got := scanKeys(t, s, start, end); got != "a\xff|a\xff\x01" {
		t.Errorf("prefix a\\xff: %q", got)
	}
}

func scanKeys(t *testing.T, s store.Store, start, end string) string {
	var keys []string
	must(t, s.View(ctx, func(tx store.Tx) error {
		return tx.Scan(store.Audit, start, end, func(k string, _ []byte) error {
			keys = append(keys, k)
			return nil
		})
	}))
	return strings.Join(keys, "|")
}

func injector(t *testing.T, s store.Store) store.ConflictInjector {
	t.Helper()
	ci, ok := s.(store.ConflictInjector)
	if !ok {
		t.Fatalf("%T does not implement store.ConflictInjector", s)
	}
	return ci
}

// testConflictReruns: after two failed commits the function runs a third
// time, and each run sees the store as it was, not the failed runs'
// writes; only the last run's writes are committed.
func testConflictReruns(t *testing.T, s store.Store) {
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Limits, "n", []byte("0")) }))
	injector(t, s).InjectConflicts(2)
	runs := 0
	must(t, s.Update(ctx, func(tx store.Tx) error {
		runs++
		if v, err := tx.Get(store.Limits, "n"); err != nil || string(v) != "0" {
			t.Errorf("run %d sees n=%q (%v), want the committed 0", runs, v, err)
		}
		if _, err := tx.Get(store.Limits, "attempt"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("run %d sees a failed run's write", runs)
		}
		must(t, tx.Put(store.Limits, "attempt", []byte(strconv.Itoa(runs))))
		return tx.Put(store.Limits, "n", []byte("1"))
	}))
	if runs != 3 {
		t.Fatalf("function ran %d times after 2 conflicts, want 3", runs)
	}
	must(t, s.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(store.Limits, "attempt")
		if string(v) != "3" {
			t.Errorf("committed attempt %q, want the last run's 3", v)
		}
		return err
	}))
}

// testConflictGivesUp: conflicts on every attempt end in ErrConflict after
// MaxAttempts runs, with nothing committed.
func testConflictGivesUp(t *testing.T, s store.Store) {
	injector(t, s).InjectConflicts(store.MaxAttempts)
	runs := 0
	err := s.Update(ctx, func(tx store.Tx) error { runs++; return tx.Put(store.Codes, "c", nil) })
	if !errors.Is(err, store.ErrConflict) || runs != store.MaxAttempts || fault.KindOf(err) != fault.Conflict {
		t.Fatalf("Update = %v (%v) after %d runs, want ErrConflict of kind conflict after %d", err, fault.KindOf(err), runs, store.MaxAttempts)
	}
	must(t, s.View(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(store.Codes, "c"); !errors.Is(err, store.ErrNotFound) {
			t.Error("a transaction that never committed left a write")
		}
		return nil
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error { return nil })) // and the next one works
}

// testErrorNotRetried: the function's own error is returned at once.
func testErrorNotRetried(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	runs := 0
	if err := s.Update(ctx, func(store.Tx) error { runs++; return boom }); !errors.Is(err, boom) || runs != 1 {
		t.Fatalf("Update = %v after %d runs, want boom after 1", err, runs)
	}
}

// testPrefetchAndPeek: reads after store.Prefetch answer as plain Gets
// (a value, an empty value, a missing key, a write in between), and
// store.Peek reads what is committed, in a View where the store has no
// Peek of its own.
func testPrefetchAndPeek(t *testing.T, s store.Store) {
	must(t, s.Update(ctx, func(tx store.Tx) error {
		must(t, tx.Put(store.Users, "a", []byte("one")))
		return tx.Put(store.Users, "empty", nil)
	}))
	keys := []store.Key{{Bucket: store.Users, Key: "a"}, {Bucket: store.Users, Key: "empty"}, {Bucket: store.Users, Key: "missing"}}
	check := func(tx store.Tx, a string) {
		if v, err := tx.Get(store.Users, "a"); err != nil || string(v) != a {
			t.Errorf("a: %q, %v, want %q", v, err, a)
		}
		if v, err := tx.Get(store.Users, "empty"); err != nil || v == nil || len(v) != 0 {
			t.Errorf("empty value: %q (nil %v), %v", v, v == nil, err)
		}
		if _, err := tx.Get(store.Users, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing key: %v, want ErrNotFound", err)
		}
	}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		store.Prefetch(tx, keys...)
		check(tx, "one")
		must(t, tx.Put(store.Users, "a", []byte("two")))
		check(tx, "two")
		return nil
	}))
	must(t, store.Peek(ctx, s, func(tx store.Tx) error {
		store.Prefetch(tx, keys...)
		check(tx, "two")
		return nil
	}))
}
