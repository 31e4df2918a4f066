package postgres_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
)

// TestCheckWritable: a database whose transactions default to read-only
// (the cheap stand-in for a hot standby; the real one is
// internal/server's TestStandby) is reachable and readable but not
// writable, and CheckWritable says so without writing; set back, it is
// writable again.
func TestCheckWritable(t *testing.T) {
	s, raw := newStore(t)
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("a writable database: %v", err)
	}
	u, _ := url.Parse(raw)
	db := pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()
	exec(t, raw, "ALTER DATABASE "+db+" SET default_transaction_read_only = on")
	ro := reopen(t, raw) // database settings apply to new sessions
	wantErr(t, ro.CheckWritable(ctx), fault.Network, "is read-only")
	if err := ro.View(ctx, func(tx store.Tx) error { return nil }); err != nil {
		t.Errorf("a read on the read-only database: %v", err)
	}
	err := ro.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Limits, "k", []byte("v")) })
	wantErr(t, err, fault.Network, "read-only")
	u.Path = "/postgres" // not read-only
	exec(t, u.String(), "ALTER DATABASE "+db+" SET default_transaction_read_only = off")
	if err := reopen(t, raw).CheckWritable(ctx); err != nil {
		t.Errorf("writable again: %v", err)
	}
}

func reopen(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
