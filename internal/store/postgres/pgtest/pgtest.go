// Package pgtest gives tests a PostgreSQL database of their own. With
// APPROOV_TEST_POSTGRES (a URL of a role that may create databases) set, it
// creates them there; otherwise it starts a private cluster once per test
// binary: initdb and postgres run as the unprivileged postgres user when
// the tests run as root (as is otherwise), in a temporary directory, on a
// unix socket in that directory only. Main stops it and removes the
// directory; the cluster also dies with the test binary (parent-death
// signal). Without PostgreSQL binaries tests skip, but fail when CI=true.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvURL names the variable of an existing server to use instead.
const EnvURL = "APPROOV_TEST_POSTGRES"

// EnvDurable, set to 1, keeps fsync and synchronous commit on in the
// private cluster (figures; tests run without them).
const EnvDurable = "APPROOV_TEST_POSTGRES_DURABLE"

var shared struct {
	once    sync.Once
	cluster *Cluster
	admin   *pgxpool.Pool
	base    *url.URL
	err     error
	n       atomic.Int64
}

// Main runs the tests (from TestMain) and stops the cluster if one started.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.admin != nil {
		shared.admin.Close()
	}
	if shared.cluster != nil {
		shared.cluster.Stop()
	}
	return code
}

// URL returns the URL of a new empty database, dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	u, drop, err := NewDatabase()
	if errors.Is(err, ErrUnavailable) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL for tests: %v", err)
		}
		t.Skipf("PostgreSQL for tests: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	return u
}

// ErrUnavailable: no PostgreSQL to test on (tests skip, or fail in CI).
var ErrUnavailable = errors.New("no PostgreSQL")

// Available starts the private cluster if need be, and returns an error
// wrapping ErrUnavailable when there is no PostgreSQL to test on.
func Available() error {
	shared.once.Do(setup)
	if shared.err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, shared.err)
	}
	return nil
}

// NewDatabase creates a new empty database and returns its URL and what
// drops it, for callers without a testing.TB (testscript commands). An
// error wrapping ErrUnavailable means there is no PostgreSQL at all.
func NewDatabase() (string, func() error, error) {
	if err := Available(); err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("approov_test_%d_%d", os.Getpid(), shared.n.Add(1))
	ctx := context.Background()
	if _, err := shared.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("create database: %v", err)
	}
	drop := func() error {
		_, err := shared.admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		return err
	}
	u := *shared.base
	u.Path = "/" + name
	return u.String(), drop, nil
}

func setup() {
	raw := os.Getenv(EnvURL)
	if raw == "" {
		shared.cluster, shared.err = Start(Options{Fast: os.Getenv(EnvDurable) != "1"})
		if shared.err != nil {
			return
		}
		raw = shared.cluster.URL("postgres")
	}
	shared.base, shared.err = url.Parse(raw)
	if shared.err == nil {
		shared.admin, shared.err = pgxpool.New(context.Background(), raw)
	}
	if shared.err == nil {
		shared.err = shared.admin.Ping(context.Background())
	}
}
