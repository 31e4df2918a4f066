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
