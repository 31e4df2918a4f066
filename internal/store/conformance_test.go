package store_test

import (
	"path/filepath"
	"testing"

	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/storetest"
)

func TestBoltConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.CreateBolt(filepath.Join(t.TempDir(), "s.db"), 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A batching store (approovd's) keeps the same contract.
func TestBoltBatchConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.CreateBolt(filepath.Join(t.TempDir(), "s.db"), 0)
		if err != nil {
			t.Fatal(err)
		}
		s.SetGroupCommit(true)
		t.Cleanup(func() { s.Close() })
		return s
	})
}
