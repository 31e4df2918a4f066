package storeurl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
	"github.com/approov-cli/approov/internal/store/storeurl"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"bolt:///var/lib/approovd/approovd.db", "bolt:///var/lib/approovd/approovd.db", true},
		{"/var/lib/approovd/a.db", "bolt:///var/lib/approovd/a.db", true},
		{"bolt:///var/lib/../lib/a.db", "bolt:///var/lib/a.db", true},
		{"postgres://approov:s3cret@db.example.com:5432/approov?sslmode=verify-full&sslpassword=s3cret", "postgres://approov@db.example.com:5432/approov", true},
		{"postgresql://db/approov", "postgresql://db/approov", true},
		{"bolt://host/a.db", "", false},
		{"bolt://relative.db", "", false},
		{"bolt:///dir/", "", false},
		{"bolt:///a.db?x=1", "", false},
		{"mysql://db/approov", "", false},
		{"postgres://u:s3cret%zz@db/approov", "", false},
		{"relative.db", "", false},
		{"", "", false},
	} {
		u, err := storeurl.Parse(tt.in)
		if (err == nil) != tt.ok || (tt.ok && u.String() != tt.want) || (!tt.ok && fault.KindOf(err) != fault.Usage) {
			t.Errorf("Parse(%q) = %v, %v; want %q ok=%v", tt.in, u, err, tt.want, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Parse(%q): the password is in the error", tt.in)
		}
	}
}

// TestCreateThenOpen: each scheme creates a store Open then opens, and
// Migrate is for PostgreSQL only.
func TestCreateThenOpen(t *testing.T) {
	ctx := context.Background()
	for _, raw := range []string{"bolt://" + filepath.Join(t.TempDir(), "s.db"), pgtest.URL(t)} {
		u, err := storeurl.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		s, err := storeurl.Create(ctx, u, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Users, "k", []byte("v")) }); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if s, err = storeurl.Open(ctx, u, 0); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err = storeurl.Migrate(ctx, u)
		if (err == nil) != (u.Scheme == "postgres") {
			t.Errorf("Migrate %s: %v", u, err)
		}
	}
}

// TestCopyBetweenSchemes: a store copied bolt → PostgreSQL → bolt keeps
// every record (the summaries agree); a copy into a store holding
// anything is refused and writes nothing.
func TestCopyBetweenSchemes(t *testing.T) {
	ctx := context.Background()
	open := func(raw string) store.Store {
		u, err := storeurl.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		s, err := storeurl.OpenOrCreate(ctx, u, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	dir := t.TempDir()
	src, pg, back := open("bolt://"+filepath.Join(dir, "a.db")), open(pgtest.URL(t)), open("bolt://"+filepath.Join(dir, "b.db"))
	err := src.Update(ctx, func(tx store.Tx) error {
		for i, b := range store.Buckets {
			if err := tx.Put(b, strings.Repeat("k", i+1)+"\x00\xff", []byte{byte(i)}); err != nil {
				return err
			}
		}
		return tx.Put(store.Expiry, "empty", nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	want, err := store.Summarize(ctx, src)
	if err != nil || want.Records != len(store.Buckets)+1 {
		t.Fatalf("source: %v, %v", want, err)
	}
	for _, hop := range [][2]store.Store{{src, pg}, {pg, back}} {
		got, err := store.Copy(ctx, hop[0], hop[1])
		if err != nil || got != want {
			t.Fatalf("copy: %v, %v; want %v", got, err, want)
		}
		if got, _ := store.Summarize(ctx, hop[1]); got != want {
			t.Fatalf("read back %v, want %v", got, want)
		}
	}
	if _, err := store.Copy(ctx, src, pg); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("copy into a full store: %v", err)
	}
	if got, _ := store.Summarize(ctx, pg); got != want {
		t.Fatal("the refused copy wrote")
	}
}
