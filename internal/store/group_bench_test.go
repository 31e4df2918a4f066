package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkGroupCommit is approovd's write per signed request, reopened
// as approovd opens its store: 16 callers each add a replay record and its
// expiry entry and delete the record that fell out of the window, so the
// store churns as in a soak (go test -bench GroupCommit -cpuprofile).
// pages/op is the pages each request's share of its group's commit wrote.
func BenchmarkGroupCommit(b *testing.B) {
	path := filepath.Join(b.TempDir(), "s.db")
	s, err := CreateBolt(path, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	s.Close()
	if s, err = OpenBolt(path, time.Second); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.SetGroupCommit(true)
	ctx := context.Background()
	const window = 20_000
	var n atomic.Int64
	put := func(tx Tx, i int64) error {
		k := fmt.Sprintf("ses_%02d|%020d|nonce-%022d", i%8, i/8, i)
		if err := tx.Put(Nonces, k, nil); err != nil {
			return err
		}
		if err := tx.Put(Expiry, fmt.Sprintf("%020d\x00nonces\x00%s", i/8, k), nil); err != nil {
			return err
		}
		if old := i - window; old >= 0 {
			return tx.Delete(Nonces, fmt.Sprintf("ses_%02d|%020d|nonce-%022d", old%8, old/8, old))
		}
		return nil
	}
	write := func(i int64) error { return s.Update(ctx, func(tx Tx) error { return put(tx, i) }) }
	for range window / 1000 { // the window full, in a few commits
		err := s.Update(ctx, func(tx Tx) error {
			for range 1000 {
				if err := put(tx, n.Add(1)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	before := s.pagesWritten()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := write(n.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(s.pagesWritten()-before)/float64(b.N), "pages/op")
}

func (s *Bolt) pagesWritten() int64 {
	st := s.db.Stats()
	return st.TxStats.GetWrite()
}
