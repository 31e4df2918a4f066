// Package storeurl opens a store by its URL, the one place store URLs are
// parsed: "bolt:///abs/path.db" (a bare absolute path means the same) for
// the embedded store, "postgres://…" or "postgresql://…" for PostgreSQL
// (internal/store/postgres; its options in docs/store-postgres.md). It sits
// beside internal/store rather than in it because the PostgreSQL store
// imports internal/store; the embedded store's URLs it leaves to
// store.ParseURL.
package storeurl

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
)

// URL is a parsed store location.
type URL struct {
	Scheme string // "bolt" or "postgres"
	Path   string // bolt: the file
	raw    string // postgres: the URL as given (it may hold a password)
}

// Parse parses a store URL: postgres:// and postgresql:// here, the
// embedded store's forms by store.ParseURL, its one parser.
func Parse(raw string) (URL, error) {
	if l := strings.ToLower(raw); strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://") {
		if _, err := url.Parse(raw); err != nil { // never quote it: it may hold a password
			return URL{}, fault.New(fault.Usage, "store URL: not a valid postgres:// URL (escape reserved characters of the password with %%XX)")
		}
		return URL{Scheme: "postgres", raw: raw}, nil
	}
	b, err := store.ParseURL(raw)
	if err != nil {
		if strings.Contains(err.Error(), "unsupported scheme") {
			return URL{}, fault.New(fault.Usage, "store URL: unsupported scheme (supported: bolt, postgres)")
		}
		return URL{}, err
	}
	return URL{Scheme: b.Scheme, Path: b.Path}, nil
}

// String is the URL as messages may show it: no password, no query.
func (u URL) String() string {
	if u.Scheme == "postgres" {
		p, _ := url.Parse(u.raw)
		return postgres.Redact(p)
	}
	return "bolt://" + u.Path
}

// Open opens the existing store u names, waiting up to lockTimeout for
// another holder of an embedded store.
func Open(ctx context.Context, u URL, lockTimeout time.Duration) (store.Store, error) {
	switch u.Scheme {
	case "bolt":
		return store.OpenBolt(u.Path, lockTimeout)
	case "postgres":
		return postgres.Open(ctx, u.raw)
	}
	return nil, fault.New(fault.Usage, "unsupported store scheme %q", u.Scheme)
}

// OpenOrCreate opens the store u names, creating it when nothing is there
// yet (no file; a database with no approov table): for a location an
// operator gave (approovd's --store), never one from a code or token.
func OpenOrCreate(ctx context.Context, u URL, lockTimeout time.Duration) (store.Store, error) {
	switch u.Scheme {
	case "bolt":
		return store.OpenOrCreate(store.URL{Scheme: "bolt", Path: u.Path}, lockTimeout)
	case "postgres":
		return postgres.OpenOrCreate(ctx, u.raw)
	}
	return nil, fault.New(fault.Usage, "unsupported store scheme %q", u.Scheme)
}

// Create makes a new store where u points: a new file, or the schema in
// an empty database.
func Create(ctx context.Context, u URL, lockTimeout time.Duration) (store.Store, error) {
	switch u.Scheme {
	case "bolt":
		return store.CreateBolt(u.Path, lockTimeout)
	case "postgres":
		return postgres.Create(ctx, u.raw)
	}
	return nil, fault.New(fault.Usage, "unsupported store scheme %q", u.Scheme)
}

// Migrate brings the schema of the store u names up to this build's
// (PostgreSQL; the embedded store has one format and nothing to migrate),
// creating it in a database with no approov table, and says what it did.
func Migrate(ctx context.Context, u URL) (postgres.Migration, error) {
	if u.Scheme != "postgres" {
		return postgres.Migration{}, fault.New(fault.Usage, "store %s: only a PostgreSQL store has a schema to migrate", u)
	}
	return postgres.Migrate(ctx, u.raw)
}
