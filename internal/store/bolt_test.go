package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openTemp(t *testing.T) (*Bolt, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "local", "acme.db")
	s, err := OpenBolt(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestBoltModes(t *testing.T) {
	_, path := openTemp(t)
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode(), want)
		}
	}
}

func TestBoltLoosenedModeIsTightened(t *testing.T) {
	s, path := openTemp(t)
	s.Close()
	os.Chmod(path, 0o644)
	s2, err := OpenBolt(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after reopen, want 0600", fi.Mode().Perm())
	}
}

func TestBoltCRUDAndScan(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx Tx) error {
		for _, k := range []string{"a\x001", "a\x002", "a\x003", "b\x001"} {
			if err := tx.Put(Users, k, []byte("v"+k)); err != nil {
				return err
			}
		}
		return tx.Delete(Users, "a\x002")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx Tx) error {
		if _, err := tx.Get(Users, "a\x002"); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted key: %v", err)
		}
		var keys []string
		tx.Scan(Users, "a\x00", func(k string, v []byte) error {
			keys = append(keys, k)
			return nil
		})
		if strings.Join(keys, ",") != "a\x001,a\x003" {
			t.Errorf("scan = %q", keys)
		}
		n := 0
		tx.Scan(Users, "", func(string, []byte) error { n++; return ErrStop })
		if n != 1 {
			t.Errorf("ErrStop did not stop the scan (%d calls)", n)
		}
		if _, err := tx.Get("nope", "x"); err == nil {
			t.Error("unknown bucket accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBoltRollback(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx Tx) error {
		tx.Put(Codes, "c1", []byte("x"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	s.View(ctx, func(tx Tx) error {
		if _, err := tx.Get(Codes, "c1"); !errors.Is(err, ErrNotFound) {
			t.Error("a failed transaction left a write behind")
		}
		return nil
	})
	seq := func() uint64 {
		var n uint64
		s.Update(ctx, func(tx Tx) (err error) { n, err = tx.NextSeq(Audit); return })
		return n
	}
	if a, b := seq(), seq(); b != a+1 {
		t.Fatalf("NextSeq %d then %d", a, b)
	}
}

func TestBoltCancelledContext(t *testing.T) {
	s, _ := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Update(ctx, func(Tx) error { return nil }); err == nil {
		t.Fatal("cancelled context ran a transaction")
	}
}

// TestBoltWaitsForOtherHolder: a second opener waits while the first holds
// the file, succeeds once it is released, and fails cleanly on timeout.
func TestBoltWaitsForOtherHolder(t *testing.T) {
	s, path := openTemp(t)
	if _, err := OpenBolt(path, 100*time.Millisecond); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("second open while held: %v, want a busy error", err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(150 * time.Millisecond)
		s.Close()
		close(released)
	}()
	s2, err := OpenBolt(path, 5*time.Second)
	if err != nil {
		t.Fatalf("open after release: %v", err)
	}
	<-released
	s2.Close()
}
