package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Concurrent grouped updates each take effect once, as if run alone: a
// failing one returns its own error and writes nothing, a panicking one
// panics in its own caller, and neither stops the others.
func TestGroupCommit(t *testing.T) {
	s, _ := openTemp(t)
	s.SetGroupCommit(true)
	ctx := context.Background()
	errMine := errors.New("mine")
	const n = 300
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("panic: %v", p)
				}
			}()
			errs[i] = s.Update(ctx, func(tx Tx) error {
				if err := tx.Put(Nonces, fmt.Sprintf("k%03d", i), nil); err != nil {
					return err
				}
				switch i {
				case 7:
					return errMine
				case 11:
					panic("eleven")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		want := i != 7 && i != 11
		if (err == nil) != want || (i == 7 && !errors.Is(err, errMine)) || (i == 11 && err.Error() != "panic: eleven") {
			t.Errorf("update %d: %v", i, err)
		}
	}
	count := 0
	s.View(ctx, func(tx Tx) error {
		return tx.Scan(Nonces, "", "", func(string, []byte) error { count++; return nil })
	})
	if count != n-2 {
		t.Errorf("%d records, want %d", count, n-2)
	}
}
