package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/approov-cli/approov/internal/fault"
)

// DefaultLockTimeout is how long Open waits for another process holding
// the store.
const DefaultLockTimeout = 10 * time.Second

// Bolt is a Store on a bbolt file. bbolt holds an exclusive file lock while
// open, so concurrent CLI processes wait for each other (up to the timeout)
// instead of failing or corrupting the file.
type Bolt struct{ db *bolt.DB }

var _ Store = (*Bolt)(nil)

// OpenBolt opens (creating with mode 0600, in a 0700 directory) the store
// at path, waiting up to timeout (0: DefaultLockTimeout) for other holders.
func OpenBolt(path string, timeout time.Duration) (*Bolt, error) {
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fault.Wrap(fault.Internal, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fault.WithHint(fault.New(fault.Internal, "store %s is busy: another approov process holds it for more than %s", path, timeout),
			"wait for the other command to finish")
	}
	if err != nil {
		return nil, fault.New(fault.Internal, "open store %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fault.Wrap(fault.Internal, err)
	}
	s := &Bolt{db: db}
	if err := s.ensureBuckets(); err != nil {
		db.Close()
		return nil, fault.New(fault.Internal, "prepare store %s: %w", path, err)
	}
	return s, nil
}

// ensureBuckets creates missing buckets; a read transaction checks first,
// so opening an existing store costs no write (and no fsync).
func (s *Bolt) ensureBuckets() error {
	missing := false
	s.db.View(func(tx *bolt.Tx) error {
		for _, b := range Buckets {
			missing = missing || tx.Bucket([]byte(b)) == nil
		}
		return nil
	})
	if !missing {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range Buckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
}

// View implements Store.
func (s *Bolt) View(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fault.Wrap(fault.Cancelled, err)
	}
	return s.db.View(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

// Update implements Store.
func (s *Bolt) Update(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fault.Wrap(fault.Cancelled, err)
	}
	return s.db.Update(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

// Close implements Store.
func (s *Bolt) Close() error { return s.db.Close() }

type boltTx struct{ tx *bolt.Tx }

func (t boltTx) bucket(b Bucket) (*bolt.Bucket, error) {
	bk := t.tx.Bucket([]byte(b))
	if bk == nil {
		return nil, fmt.Errorf("store: no bucket %q", b)
	}
	return bk, nil
}

func (t boltTx) Get(b Bucket, key string) ([]byte, error) {
	bk, err := t.bucket(b)
	if err != nil {
		return nil, err
	}
	v := bk.Get([]byte(key))
	if v == nil {
		return nil, ErrNotFound
	}
	return bytes.Clone(v), nil
}

func (t boltTx) Put(b Bucket, key string, value []byte) error {
	bk, err := t.bucket(b)
	if err != nil {
		return err
	}
	return bk.Put([]byte(key), value)
}

func (t boltTx) Delete(b Bucket, key string) error {
	bk, err := t.bucket(b)
	if err != nil {
		return err
	}
	return bk.Delete([]byte(key))
}

func (t boltTx) Scan(b Bucket, prefix string, fn func(string, []byte) error) error {
	bk, err := t.bucket(b)
	if err != nil {
		return err
	}
	c := bk.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if err := fn(string(k), bytes.Clone(v)); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

func (t boltTx) NextSeq(b Bucket) (uint64, error) {
	bk, err := t.bucket(b)
	if err != nil {
		return 0, err
	}
	return bk.NextSequence()
}
