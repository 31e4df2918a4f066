package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/approov-cli/approov/internal/fault"
)

// DefaultLockTimeout is how long Open waits for another process holding
// the store.
const DefaultLockTimeout = 10 * time.Second

// FormatVersion is the layout of keys and records in a store this build
// makes and reads. A store records it under its marker.
const FormatVersion = "1"

// The marker that tells an approov store from any other file: a bucket no
// service code sees, holding the format version.
var (
	markerBucket = []byte("approov")
	markerKey    = []byte("format")
)

// Bolt is a Store on a bbolt file. bbolt holds an exclusive file lock while
// open, so concurrent CLI processes wait for each other (up to the timeout)
// instead of failing or corrupting the file.
type Bolt struct {
	db        *bolt.DB
	conflicts atomic.Int32      // injected commit failures still to come
	batch     atomic.Bool       // group concurrent updates (SetGroupCommit)
	group     Gather[groupCall] // updates waiting for the committer (group.go)
}

// SetGroupCommit makes concurrent Updates share commits (and their
// fdatasyncs): a server's many small writes (the replay cache) then cost
// one disk flush per group rather than each (group.go). It relies on the
// contract that Update may run its function more than once. A process
// running one command at a time gains nothing from it.
func (s *Bolt) SetGroupCommit(on bool) { s.batch.Store(on) }

var (
	_ Store            = (*Bolt)(nil)
	_ ConflictInjector = (*Bolt)(nil)
)

// CreateBolt makes a new store at path (mode 0600; missing directories
// 0700) and fails if anything already exists there: the only way a store
// file comes to be, so approov never initialises a file it did not create.
func CreateBolt(path string, timeout time.Duration) (*Bolt, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fault.Wrap(fault.Internal, err)
	}
	create := func(name string, _ int, _ os.FileMode) (*os.File, error) {
		return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL|noFollow, 0o600)
	}
	db, err := openDB(path, timeout, create)
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucket(markerBucket)
		if err == nil {
			err = m.Put(markerKey, []byte(FormatVersion))
		}
		for _, b := range Buckets {
			if err == nil {
				_, err = tx.CreateBucket([]byte(b))
			}
		}
		return err
	})
	if err != nil {
		db.Close()
		return nil, fault.New(fault.Internal, "prepare store %s: %w", path, err)
	}
	return newBolt(db), nil
}

// OpenBolt opens the existing store at path, waiting up to timeout (0:
// DefaultLockTimeout) for other holders. The path may come from a hostile
// code or token: it must name a regular file (not a symbolic link) that
// carries approov's marker, checked before anything is written, and a file
// that is not an approov store is left as it was (an Invalid error). A
// store others may read is tightened to 0600 once recognised.
func OpenBolt(path string, timeout time.Duration) (*Bolt, error) {
	var f *os.File
	existing := func(name string, _ int, _ os.FileMode) (*os.File, error) {
		var err error
		f, err = openExisting(name)
		return f, err
	}
	// NoFreelistSync at open: otherwise bbolt writes to a foreign file
	// whose freelist is not synced before we can recognise it.
	db, err := openDB(path, timeout, existing, func(o *bolt.Options) { o.NoFreelistSync = true })
	if err != nil {
		return nil, err
	}
	if err := recognise(db, path); err != nil {
		db.Close()
		return nil, err
	}
	db.NoFreelistSync = false
	if err := tighten(f); err != nil {
		db.Close()
		return nil, fault.Wrap(fault.Internal, err)
	}
	return newBolt(db), nil
}

// openExisting opens name for bbolt without following a symbolic link and
// refuses what bbolt would initialise or cannot hold: anything but a
// non-empty regular file.
func openExisting(name string) (*os.File, error) {
	if fi, err := os.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		return nil, errNotRegular{fi.Mode(), fi.Size()} // never open a FIFO or a device
	}
	f, err := os.OpenFile(name, os.O_RDWR|noFollow|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && (!fi.Mode().IsRegular() || fi.Size() == 0) {
		err = errNotRegular{fi.Mode(), fi.Size()}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

type errNotRegular struct {
	mode fs.FileMode
	size int64
}

func (e errNotRegular) Error() string {
	switch {
	case e.mode.IsRegular():
		return "it is an empty file"
	case e.mode&fs.ModeSymlink != 0:
		return "it is a symbolic link"
	case e.mode.IsDir():
		return "it is a directory"
	}
	return fmt.Sprintf("it is not a regular file (%s)", e.mode.Type())
}

func openDB(path string, timeout time.Duration, open func(string, int, os.FileMode) (*os.File, error), mods ...func(*bolt.Options)) (*bolt.DB, error) {
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	o := &bolt.Options{Timeout: timeout, OpenFile: open}
	for _, m := range mods {
		m(o)
	}
	db, err := bolt.Open(path, 0o600, o)
	if err != nil {
		return nil, openError(path, timeout, err)
	}
	return db, nil
}

// openError words a failed open as one line of the right kind.
func openError(path string, timeout time.Duration, err error) error {
	var nr errNotRegular
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return fault.WithHint(fault.New(fault.Internal, "store %s is busy: another approov process holds it for more than %s", path, timeout),
			"wait for the other command to finish")
	case errors.Is(err, fs.ErrExist):
		return fault.New(fault.Conflict, "cannot create store %s: something already exists there", path)
	case errors.Is(err, syscall.ELOOP):
		return notStore(path, "it is a symbolic link")
	case errors.Is(err, syscall.EISDIR):
		return notStore(path, "it is a directory")
	case errors.As(err, &nr):
		return notStore(path, nr.Error())
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch),
		errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrInvalidMapping):
		return notStore(path, "it is not a database file")
	}
	return fault.New(fault.Invalid, "cannot open store %s: %v", path, err)
}

func notStore(path, why string) error {
	return fault.WithHint(fault.New(fault.Invalid, "%s is not an approov store: %s", path, why),
		"check the code or token: it names this file as the account's local store")
}

// recognise checks the marker in a read-only transaction.
func recognise(db *bolt.DB, path string) error {
	var format []byte
	legacy := false
	db.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket(markerBucket); m != nil {
			format = bytes.Clone(m.Get(markerKey))
		}
		legacy = tx.Bucket([]byte(Accounts)) != nil && tx.Bucket([]byte("nonce_exp")) != nil
		return nil
	})
	switch {
	case format == nil && legacy:
		return fault.WithHint(fault.New(fault.Invalid, "store %s was made by an approov from before store format %s", path, FormatVersion),
			"create the account again: approov account create --local")
	case format == nil:
		return notStore(path, "it has no approov marker")
	case string(format) != FormatVersion:
		return fault.WithHint(fault.New(fault.Invalid, "store %s has format %.20q; this approov reads format %s", path, format, FormatVersion),
			"use the approov version that made it")
	}
	return nil
}

// newBolt is the store on db, its group commit ready.
func newBolt(db *bolt.DB) *Bolt {
	b := &Bolt{db: db}
	b.group.Max, b.group.Flush = maxGroup, b.commitGroup
	b.group.Linger, b.group.BusyRate = groupLinger, groupBusyRate
	return b
}

// tighten removes group and other access from a recognised store.
func tighten(f *os.File) error {
	fi, err := f.Stat()
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return err
	}
	return f.Chmod(0o600)
}

// InjectConflicts makes the next n commits fail with ErrConflict (tests).
func (s *Bolt) InjectConflicts(n int) { s.conflicts.Store(int32(n)) }

// View implements Store.
func (s *Bolt) View(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fault.Wrap(fault.Cancelled, err)
	}
	return s.db.View(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

// Update implements Store. bbolt serialises writers, so conflicts happen
// only when injected; the retry loop is the one every store shares.
func (s *Bolt) Update(ctx context.Context, fn func(Tx) error) error {
	return Retry(ctx, func() error {
		if err := ctx.Err(); err != nil {
			return fault.Wrap(fault.Cancelled, err)
		}
		update := s.db.Update
		if s.batch.Load() {
			update = s.groupUpdate
		}
		// A failing function fails its whole group, which then re-runs
		// it alone: that run returns the first error without running it
		// again, so an error is never retried.
		var failed error
		return update(func(tx *bolt.Tx) error {
			if failed != nil {
				return failed
			}
			if err := fn(boltTx{tx}); err != nil {
				failed = err
				return err
			}
			if s.conflicts.Add(-1) >= 0 {
				failed = ErrConflict
				return ErrConflict // rolled back, as a refused commit is
			}
			s.conflicts.Store(0)
			return nil
		})
	})
}

// Close implements Store.
func (s *Bolt) Close() error { return s.db.Close() }

type boltTx struct{ tx *bolt.Tx }

// bucket returns b's bucket. A known bucket that a store made by an older
// approov of the same format lacks reads as empty and is created by its
// first write, so adding a bucket needs no migration.
func (t boltTx) bucket(b Bucket, write bool) (*bolt.Bucket, error) {
	if !slices.Contains(Buckets, b) {
		return nil, fmt.Errorf("store: no bucket %q", b)
	}
	bk := t.tx.Bucket([]byte(b))
	if bk == nil && write {
		return t.tx.CreateBucket([]byte(b))
	}
	return bk, nil
}

func (t boltTx) Get(b Bucket, key string) ([]byte, error) {
	bk, err := t.bucket(b, false)
	if err != nil {
		return nil, err
	}
	var v []byte
	if bk != nil {
		v = bk.Get([]byte(key))
	}
	if v == nil {
		return nil, ErrNotFound
	}
	return bytes.Clone(v), nil
}

func (t boltTx) Put(b Bucket, key string, value []byte) error {
	bk, err := t.bucket(b, true)
	if err != nil {
		return err
	}
	return bk.Put([]byte(key), value)
}

func (t boltTx) Delete(b Bucket, key string) error {
	bk, err := t.bucket(b, false)
	if err != nil || bk == nil {
		return err
	}
	return bk.Delete([]byte(key))
}

func (t boltTx) Scan(b Bucket, start, end string, fn func(string, []byte) error) error {
	bk, err := t.bucket(b, false)
	if err != nil || bk == nil {
		return err
	}
	c := bk.Cursor()
	e := []byte(end)
	for k, v := c.Seek([]byte(start)); k != nil && (end == "" || bytes.Compare(k, e) < 0); k, v = c.Next() {
		if err := fn(string(k), bytes.Clone(v)); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}
