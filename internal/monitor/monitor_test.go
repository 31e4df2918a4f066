package monitor_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/monitor"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
)

// countingStore counts read transactions: each round reads the accounts.
type countingStore struct {
	store.Store
	views chan struct{}
}

func (c *countingStore) View(ctx context.Context, fn func(store.Tx) error) error {
	defer func() { c.views <- struct{}{} }()
	return c.Store.View(ctx, fn)
}

// TestLoopRunsARoundPerTick: each tick runs a round; cancelling stops it.
func TestLoopRunsARoundPerTick(t *testing.T) {
	bolt, err := store.CreateBolt(filepath.Join(t.TempDir(), "m.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	st := &countingStore{Store: bolt, views: make(chan struct{}, 100)}
	svc := service.New(st, service.Options{Now: backendtest.NewClock().Now, Params: backendtest.CheapParams})
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { (&monitor.Loop{Service: svc, Ticks: ticks, Owner: "test"}).Run(ctx); close(done) }()
	for range 3 {
		ticks <- time.Now()
		select {
		case <-st.views:
		case <-time.After(10 * time.Second):
			t.Fatal("a tick ran no round")
		}
	}
	cancel()
	<-done
}
