// Package storetest is the conformance suite for store.Store
// implementations: bbolt today, PostgreSQL next.
package storetest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/approov-cli/approov/internal/store"
)

// Run runs the suite; newStore must return an empty store.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases := map[string]func(*testing.T, store.Store){
		"CRUD":              testCRUD,
		"ScanPrefixAndStop": testScan,
		"Rollback":          testRollback,
		"Sequence":          testSequence,
		"ValuesAreCopies":   testCopies,
		"SerialisedUpdates": testSerialised,
		"UnknownBucket":     testUnknownBucket,
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
		must(t, tx.Scan(store.Audit, "b\x00", func(k string, v []byte) error {
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
		must(t, tx.Scan(store.Audit, "", func(string, []byte) error { n++; return store.ErrStop }))
		if n != 1 {
			t.Errorf("ErrStop: %d calls", n)
		}
		boom := errors.New("boom")
		if err := tx.Scan(store.Audit, "", func(string, []byte) error { return boom }); !errors.Is(err, boom) {
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

func testSequence(t *testing.T, s store.Store) {
	var last uint64
	for range 3 {
		must(t, s.Update(ctx, func(tx store.Tx) error {
			n, err := tx.NextSeq(store.Audit)
			if err == nil && n <= last {
				t.Errorf("sequence %d after %d", n, last)
			}
			last = n
			return err
		}))
	}
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
