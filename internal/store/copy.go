package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"

	"github.com/approov-cli/approov/internal/fault"
)

// Summary describes a store's whole content: how many records, and a
// SHA-256 over every bucket's keys and values in order.
type Summary struct {
	Records int
	Digest  [sha256.Size]byte
}

// Copy copies every record of every bucket of from into to, which must be
// empty, reading from in one snapshot and writing to in one transaction
// (all or nothing), and returns what it copied.
func Copy(ctx context.Context, from, to Store) (Summary, error) {
	var sum Summary
	err := from.View(ctx, func(src Tx) error {
		return to.Update(ctx, func(dst Tx) error {
			if n, err := count(dst); err != nil || n > 0 {
				if err == nil {
					err = fault.New(fault.Conflict, "the destination store is not empty (%d records): copy only into a new store", n)
				}
				return err
			}
			var err error
			sum, err = walk(src, func(b Bucket, k string, v []byte) error { return dst.Put(b, k, v) })
			return err
		})
	})
	return sum, err
}

// Summarize reads the whole of st in one snapshot.
func Summarize(ctx context.Context, st Store) (Summary, error) {
	var sum Summary
	err := st.View(ctx, func(tx Tx) (err error) {
		sum, err = walk(tx, func(Bucket, string, []byte) error { return nil })
		return err
	})
	return sum, err
}

func count(tx Tx) (int, error) {
	s, err := walk(tx, func(Bucket, string, []byte) error { return nil })
	return s.Records, err
}

// walk calls fn for each record of tx, bucket by bucket, in key order,
// and sums them up.
func walk(tx Tx, fn func(Bucket, string, []byte) error) (Summary, error) {
	h := sha256.New()
	var sum Summary
	for _, b := range Buckets {
		err := tx.Scan(b, "", "", func(k string, v []byte) error {
			sum.Records++
			digest(h, string(b), k, string(v))
			return fn(b, k, v)
		})
		if err != nil {
			return Summary{}, err
		}
	}
	copy(sum.Digest[:], h.Sum(nil))
	return sum, nil
}

// digest writes each field length-prefixed, so no two records hash alike.
func digest(h hash.Hash, fields ...string) {
	for _, f := range fields {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(f))))
		h.Write([]byte(f))
	}
}

// String is the summary as a line shows it.
func (s Summary) String() string {
	return fmt.Sprintf("%d records, sha256 %x", s.Records, s.Digest[:8])
}
