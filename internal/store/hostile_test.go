//go:build unix

package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/approov-cli/approov/internal/fault"
)

// snapshot is what must not change about a file approov refuses.
type snapshot struct {
	data  []byte
	mode  os.FileMode
	mtime time.Time
}

func snap(t *testing.T, path string) snapshot {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{mode: fi.Mode(), mtime: fi.ModTime()}
	if fi.Mode().IsRegular() {
		s.data, _ = os.ReadFile(path)
	}
	return s
}

// foreignBolt writes another program's bbolt database with its own bucket.
func foreignBolt(t *testing.T, path string, noFreelistSync bool) {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{NoFreelistSync: noFreelistSync})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("theirs"))
		if err == nil {
			err = b.Put([]byte("k"), []byte("v"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// TestOpenRefusesWhatIsNotAStore: a code or token may name any path; a
// file that is not an approov store is refused with an Invalid error and
// left exactly as it was: content, mode and modification time.
func TestOpenRefusesWhatIsNotAStore(t *testing.T) {
	for name, make := range map[string]func(t *testing.T, path string){
		"empty file": func(t *testing.T, p string) { os.WriteFile(p, nil, 0o644) },
		"text file":  func(t *testing.T, p string) { os.WriteFile(p, []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644) },
		"large text file": func(t *testing.T, p string) {
			os.WriteFile(p, bytes.Repeat([]byte("daemon:x:1:1::/:/bin/false\n"), 2000), 0o644)
		},
		"foreign bbolt":                   func(t *testing.T, p string) { foreignBolt(t, p, false) },
		"foreign bbolt, no freelist sync": func(t *testing.T, p string) { foreignBolt(t, p, true) },
		"directory":                       func(t *testing.T, p string) { os.Mkdir(p, 0o755) },
		"fifo":                            func(t *testing.T, p string) { syscall.Mkfifo(p, 0o644) },
		"symlink to a store": func(t *testing.T, p string) {
			real := filepath.Join(filepath.Dir(p), "real.db")
			s, err := CreateBolt(real, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			os.Symlink(real, p)
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "target")
			make(t, path)
			before := snap(t, path)
			time.Sleep(10 * time.Millisecond) // a write would show in the mtime
			s, err := OpenBolt(path, time.Second)
			if err == nil {
				s.Close()
				t.Fatal("opened as a store")
			}
			if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "not an approov store") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q (kind %v), want one Invalid line saying it is not an approov store", err, fault.KindOf(err))
			}
			after := snap(t, path)
			if !bytes.Equal(before.data, after.data) || before.mode != after.mode || !before.mtime.Equal(after.mtime) {
				t.Errorf("refused file changed: mode %v → %v, mtime %v → %v, %d → %d bytes",
					before.mode, after.mode, before.mtime, after.mtime, len(before.data), len(after.data))
			}
		})
	}
}

// TestCreateNeverOverwrites: creating a store where any file exists fails.
func TestCreateNeverOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	os.WriteFile(path, nil, 0o644)
	if s, err := CreateBolt(path, time.Second); err == nil {
		s.Close()
		t.Fatal("created a store over an existing file")
	}
	if fi, _ := os.Stat(path); fi.Size() != 0 || fi.Mode().Perm() != 0o644 {
		t.Fatalf("existing file changed: %v, %d bytes", fi.Mode(), fi.Size())
	}
}

// TestOpenRefusesOtherFormat: a store of another format version is
// refused, not rewritten.
func TestOpenRefusesOtherFormat(t *testing.T) {
	s, path := openTemp(t)
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(markerBucket).Put(markerKey, []byte("99")) })
	s.Close()
	if s2, err := OpenBolt(path, time.Second); err == nil || !strings.Contains(err.Error(), "format") {
		if s2 != nil {
			s2.Close()
		}
		t.Fatalf("format 99: %v", err)
	}
}

// TestMarkerBucketIsHidden: service code cannot reach the marker.
func TestMarkerBucketIsHidden(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Update(t.Context(), func(tx Tx) error { return tx.Put(Bucket(markerBucket), string(markerKey), nil) }); err == nil {
		t.Fatal("the marker bucket was writable through Tx")
	}
}

// TestOpenNamesALegacyStore: a store from before the marker is refused
// with a message that says so, and left as it was.
func TestOpenNamesALegacyStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{"accounts", "users", "nonce_exp"} {
			tx.CreateBucket([]byte(b))
		}
		return nil
	})
	db.Close()
	before := snap(t, path)
	if s, err := OpenBolt(path, time.Second); err == nil || fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "from before store format") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("legacy store: %v", err)
	}
	if after := snap(t, path); !bytes.Equal(before.data, after.data) || !before.mtime.Equal(after.mtime) {
		t.Fatal("the legacy store changed")
	}
}
