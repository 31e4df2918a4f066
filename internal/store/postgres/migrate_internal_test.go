package postgres

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// withMigrations makes the build's migrations the embedded ones plus
// extra (name → SQL) until the test ends.
func withMigrations(t *testing.T, extra map[string]string) {
	m := fstest.MapFS{}
	names, _ := fs.Glob(embedded, "migrations/*.sql")
	for _, n := range names {
		b, _ := fs.ReadFile(embedded, n)
		m[n] = &fstest.MapFile{Data: b}
	}
	for n, sql := range extra {
		m["migrations/"+n] = &fstest.MapFile{Data: []byte(sql)}
	}
	migrationFiles = m
	t.Cleanup(func() { migrationFiles = embedded })
}

// TestMigrateFromOlder: a store made by an older build is refused until
// migrated; Migrate applies the new files in order and keeps the data; a
// migration that fails leaves the schema and the data as they were.
func TestMigrateFromOlder(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s, err := Create(ctx, url) // this build: version 1
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Users, "k", []byte("v")) })
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	withMigrations(t, map[string]string{"0002_note.sql": `CREATE TABLE approov_note (n int); INSERT INTO approov_note VALUES (2);`})
	if _, err := Open(ctx, url); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "schema version 1, older than this approovd's 2: run approovd store migrate") {
		t.Fatalf("Open of an older schema: %v", err)
	}
	if m, err := Migrate(ctx, url); err != nil || m != (Migration{From: 1, To: 2}) {
		t.Fatalf("Migrate = %+v, %v", m, err)
	}
	if m, err := Migrate(ctx, url); err != nil || m != (Migration{From: 2, To: 2}) {
		t.Fatalf("Migrate again = %+v, %v", m, err)
	}
	s, err = Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	withMigrations(t, map[string]string{"0002_note.sql": "", "0003_bad.sql": `CREATE TABLE approov_half (n int); SELECT no_such_function();`})
	if _, err := Migrate(ctx, url); err == nil || !strings.Contains(err.Error(), "no_such_function") {
		t.Fatalf("failing migration: %v", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var version int
	var half bool
	var value string
	if err := conn.QueryRow(ctx, `SELECT (SELECT max(version) FROM approov_schema_version), to_regclass('approov_half') IS NOT NULL,
		(SELECT convert_from(value, 'UTF8') FROM approov_kv WHERE key = 'k')`).Scan(&version, &half, &value); err != nil {
		t.Fatal(err)
	}
	if version != 2 || half || value != "v" {
		t.Fatalf("after a failed migration: version %d, half-made table %v, value %q", version, half, value)
	}
}
