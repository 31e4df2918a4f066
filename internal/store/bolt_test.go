package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t *testing.T) (*Bolt, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "local", "acme.db")
	s, err := CreateBolt(path, time.Second)
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

// A store made before a bucket was added (same format) reads it as empty
// and creates it on the first write: new domains need no migration.
func TestBoltBucketAddedLater(t *testing.T) {
	s, path := openTemp(t)
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(Audit)) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := OpenBolt(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ctx := context.Background()
	err = s2.View(ctx, func(tx Tx) error {
		if _, err := tx.Get(Audit, "k"); err != ErrNotFound {
			t.Errorf("Get on a missing bucket: %v, want ErrNotFound", err)
		}
		return tx.Scan(Audit, "", "", func(string, []byte) error { t.Error("scan found a key"); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Update(ctx, func(tx Tx) error { return tx.Put(Audit, "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if err := s2.Update(ctx, func(tx Tx) error { _, err := tx.Get("nosuch", "k"); return err }); err == nil {
		t.Error("an unknown bucket must be an error")
	}
}
