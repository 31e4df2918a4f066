package postgres_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
	"github.com/approov-cli/approov/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

func newStore(t *testing.T) (*postgres.Store, string) {
	t.Helper()
	url := pgtest.URL(t)
	s, err := postgres.Create(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { s, _ := newStore(t); return s })
}

// exec runs SQL on the database directly, as an operator or attacker would.
func exec(t *testing.T, url, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentIncrements: N goroutines' conflicting read-modify-write
// transactions on one key end with the right total, every increment
// committed: the optimistic runs lose races (runs > increments), and the
// exclusive turn after them never does (turns.go).
func TestConcurrentIncrements(t *testing.T) {
	s, _ := newStore(t)
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed, runs := 0, 0
	for range n {
		wg.Go(func() {
			for range 5 {
				err := s.Update(ctx, func(tx store.Tx) error {
					mu.Lock()
					runs++
					mu.Unlock()
					v, err := tx.Get(store.Limits, "n")
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					c, _ := strconv.Atoi(string(v))
					time.Sleep(time.Millisecond) // a long transaction: most runs lose
					return tx.Put(store.Limits, "n", []byte(strconv.Itoa(c+1)))
				})
				mu.Lock()
				if err == nil {
					committed++
				} else {
					t.Error(err) // a lost race must not reach the caller
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var got []byte
	if err := s.View(ctx, func(tx store.Tx) (err error) { got, err = tx.Get(store.Limits, "n"); return err }); err != nil {
		t.Fatal(err)
	}
	if string(got) != strconv.Itoa(committed) {
		t.Fatalf("counter %s after %d committed increments", got, committed)
	}
	if committed != n*5 || runs <= n*5 {
		t.Fatalf("%d of %d increments committed in %d runs: want every one, after retries (runs > %d)", committed, n*5, runs, n*5)
	}
	t.Logf("%d of %d committed in %d runs", committed, n*5, runs)
}

// TestFailedAttemptInvisible: a run that lost a real race leaves nothing,
// and the run after it sees only committed data.
func TestFailedAttemptInvisible(t *testing.T) {
	s, _ := newStore(t)
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Limits, "n", []byte("0")) }))
	runs := 0
	release := make(chan struct{})
	done := make(chan error)
	err := s.Update(ctx, func(tx store.Tx) error {
		runs++
		if _, err := tx.Get(store.Codes, "attempt"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("run %d sees a failed run's write", runs)
		}
		if _, err := tx.Get(store.Limits, "n"); err != nil {
			return err
		}
		if err := tx.Put(store.Codes, "attempt", []byte(strconv.Itoa(runs))); err != nil {
			return err
		}
		if runs == 1 { // another transaction changes what this one read, and commits first
			go func() {
				done <- s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Limits, "n", []byte("7")) })
				close(release)
			}()
			must(t, <-done)
			<-release
		}
		return tx.Put(store.Limits, "n", []byte("1"))
	})
	must(t, err)
	if runs != 2 {
		t.Fatalf("%d runs, want 2: the first lost the race", runs)
	}
	must(t, s.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(store.Codes, "attempt")
		if string(v) != "2" {
			t.Errorf("committed attempt %q, want the second run's", v)
		}
		return err
	}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenRecognises: Open opens only a store Create made, at this
// schema version, and says what to do otherwise, in one line.
func TestOpenRecognises(t *testing.T) {
	empty := pgtest.URL(t)
	_, err := postgres.Open(ctx, empty)
	wantErr(t, err, fault.Invalid, "is not an approov store")

	foreign := pgtest.URL(t)
	exec(t, foreign, `CREATE TABLE approov_marker (one boolean PRIMARY KEY, marker text, format text)`)
	exec(t, foreign, `INSERT INTO approov_marker VALUES (true, 'someone else', '1')`)
	_, err = postgres.Open(ctx, foreign)
	wantErr(t, err, fault.Invalid, "is not an approov store")
	_, err = postgres.Migrate(ctx, foreign)
	wantErr(t, err, fault.Invalid, "is not an approov store")

	s, url := newStore(t)
	s.Close()
	_, err = postgres.Create(ctx, url)
	wantErr(t, err, fault.Conflict, "already has approov_schema_version, approov_marker, approov_kv")
	exec(t, url, `INSERT INTO approov_schema_version (version, name) VALUES ($1, 'future')`, postgres.SchemaVersion()+1)
	_, err = postgres.Open(ctx, url)
	wantErr(t, err, fault.Invalid, "schema version 2, newer than this approovd's 1: this approovd is older than the store")
	_, err = postgres.Migrate(ctx, url)
	wantErr(t, err, fault.Invalid, "newer than this approovd's")

	exec(t, url, `DELETE FROM approov_schema_version`)
	_, err = postgres.Open(ctx, url)
	wantErr(t, err, fault.Invalid, "schema version 0, older than this approovd's 1: run approovd store migrate --store 'postgres://")
}

func wantErr(t *testing.T, err error, kind fault.Kind, text string) {
	t.Helper()
	if err == nil || fault.KindOf(err) != kind || !strings.Contains(err.Error(), text) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %v (kind %v), want a one-line %v error containing %q", err, fault.KindOf(err), kind, text)
	}
}

// TestMigrate: a store at this version migrates to itself (nothing to
// do); Open then works, and the data is there.
func TestMigrate(t *testing.T) {
	s, url := newStore(t)
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Users, "k", []byte("v")) }))
	s.Close()
	m, err := postgres.Migrate(ctx, url)
	if err != nil || m != (postgres.Migration{From: postgres.SchemaVersion(), To: postgres.SchemaVersion()}) {
		t.Fatalf("Migrate = %+v, %v", m, err)
	}
	s2, err := postgres.Open(ctx, url)
	must(t, err)
	defer s2.Close()
	must(t, s2.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(store.Users, "k")
		if string(v) != "v" {
			t.Errorf("value %q", v)
		}
		return err
	}))
}

// TestUnreachable: a database that is not there is a Network error
// (exit 7) naming the store without its password.
func TestUnreachable(t *testing.T) {
	_, err := postgres.Open(ctx, "postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=2&sslpassword=s3cret")
	wantErr(t, err, fault.Network, "store postgres://u@127.0.0.1:1/db unreachable")
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("the password is in the error: %v", err)
	}
	_, err = postgres.Open(ctx, "mysql://x")
	wantErr(t, err, fault.Usage, "want postgres://")
}

// TestScanPages: a scan longer than a page returns every key once, in
// order, and fn may use the transaction meanwhile.
func TestScanPages(t *testing.T) {
	s, _ := newStore(t)
	const n = 1500 // pages of 16, 64, 256, 1024 and a part
	must(t, s.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			must(t, tx.Put(store.Audit, "k\x00"+strconv.Itoa(100000+i), []byte(strconv.Itoa(i))))
		}
		return tx.Put(store.Audit, "l", nil) // past the prefix
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error {
		i := 0
		start, end := store.Prefix("k\x00")
		err := tx.Scan(store.Audit, start, end, func(k string, v []byte) error {
			if k != "k\x00"+strconv.Itoa(100000+i) || string(v) != strconv.Itoa(i) {
				t.Fatalf("key %d: %q = %q", i, k, v)
			}
			i++
			return tx.Put(store.Limits, k, v) // another bucket, inside the scan
		})
		if i != n {
			t.Errorf("scanned %d of %d keys", i, n)
		}
		return err
	}))
}

// TestOpenOrCreate: an empty database gets a store, once, however many
// instances start on it at the same time; later opens find its data; a
// database that holds something else is left alone.
func TestOpenOrCreate(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := postgres.OpenOrCreate(ctx, url)
			if err == nil {
				err = s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Users, strconv.Itoa(i), []byte("v")) })
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	must(t, errors.Join(errs...))
	s, err := postgres.Open(ctx, url)
	must(t, err)
	n := 0
	must(t, s.View(ctx, func(tx store.Tx) error {
		return tx.Scan(store.Users, "", "", func(string, []byte) error { n++; return nil })
	}))
	s.Close()
	if n != len(errs) {
		t.Fatalf("%d keys after %d instances, want one each", n, len(errs))
	}

	foreign := pgtest.URL(t)
	exec(t, foreign, `CREATE TABLE approov_marker (x int)`)
	_, err = postgres.OpenOrCreate(ctx, foreign)
	wantErr(t, err, fault.Invalid, "is not an approov store")
	half := pgtest.URL(t)
	exec(t, half, `CREATE TABLE approov_kv (k text)`)
	_, err = postgres.OpenOrCreate(ctx, half)
	wantErr(t, err, fault.Conflict, "already has approov_kv")
}

// TestMigrateCreates: Migrate on an empty database makes the store and
// says so; run again, it has nothing to do.
func TestMigrateCreates(t *testing.T) {
	url := pgtest.URL(t)
	v := postgres.SchemaVersion()
	for _, want := range []postgres.Migration{{To: v, Created: true}, {From: v, To: v}} {
		m, err := postgres.Migrate(ctx, url)
		if err != nil || m != want {
			t.Fatalf("Migrate = %+v, %v; want %+v", m, err, want)
		}
	}
	s, err := postgres.Open(ctx, url)
	must(t, err)
	s.Close()
}

// TestDatabaseStopsAnswering: through a proxy that stops passing bytes (a
// network partition), a transaction fails within client_timeout as a
// network error, not after the kernel gives up on the connection; the
// store works again once the database answers; and connections dropped
// (a restarted server) cost no request an error.
func TestDatabaseStopsAnswering(t *testing.T) {
	_, url := newStore(t)
	p, err := pgtest.NewProxy(url)
	must(t, err)
	defer p.Close()
	s, err := postgres.Open(ctx, p.URL()+"&client_timeout=300ms")
	must(t, err)
	defer s.Close()
	put := func() error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.Put(store.Users, "k", []byte("v")) })
	}
	must(t, put())
	p.Freeze()
	start := time.Now()
	err = put()
	if took := time.Since(start); fault.KindOf(err) != fault.Network || took > 3*time.Second {
		t.Fatalf("frozen database: %v (kind %v) after %v, want a network error within about 300ms", err, fault.KindOf(err), took)
	}
	t.Logf("frozen: %v after %v", err, time.Since(start))
	p.Thaw()
	start = time.Now()
	must(t, put())
	t.Logf("thawed: %v", time.Since(start))
	p.Drop() // the pool's connections are dead: the next begin finds out, and reconnects
	must(t, s.View(ctx, func(tx store.Tx) error { _, err := tx.Get(store.Users, "k"); return err }))
	must(t, put())
}

// TestURLOptions: a bad option of the URL, approov's own or a TLS one, is
// a usage error that names it and never the password.
func TestURLOptions(t *testing.T) {
	for _, tt := range []struct{ query, want string }{
		{"client_timeout=0s", "client_timeout"},
		{"client_timeout=x", "client_timeout"},
		{"client_timeout=-1s", "client_timeout"},
		{"sslmode=bogus", "sslmode is invalid"},
		{"sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", "unable to read CA file"},
		{"sslmode=require&sslcert=/nonexistent/c.pem&sslkey=/nonexistent/k.pem&sslpassword=s3cret", "/nonexistent/"},
	} {
		_, err := postgres.Open(ctx, "postgres://u:s3cret@127.0.0.1:1/db?"+tt.query)
		wantErr(t, err, fault.Usage, tt.want)
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the password is in %q", tt.query, err)
		}
	}
}

// TestConformanceExecModes: the pipelined batches of a transaction (tx.go)
// hold in the query modes docs/store-postgres.md offers for a
// transaction-pooling PgBouncer, not only in pgx's default.
func TestConformanceExecModes(t *testing.T) {
	for _, mode := range []string{"exec", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				url := pgtest.URL(t)
				c, err := postgres.Create(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				c.Close()
				s, err := postgres.Open(ctx, url+"&default_query_exec_mode="+mode)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			})
		})
	}
}

// TestQueuedWriteFails: writes are queued and sent with the commit (tx.go),
// so a write the database refuses (a key past the index's row size) fails
// the Update at its commit, and the writes queued before it are not
// committed; a read after a refused write reports the refusal.
func TestQueuedWriteFails(t *testing.T) {
	s, _ := newStore(t)
	b := make([]byte, 10_000)
	rand.Read(b)
	huge := string(b) // incompressible: past the index's row size
	err := s.Update(ctx, func(tx store.Tx) error {
		must(t, tx.Put(store.Limits, "a", []byte("1")))
		return tx.Put(store.Limits, huge, []byte("2"))
	})
	if err == nil || fault.KindOf(err) != fault.Internal {
		t.Fatalf("update with a refused write: %v (kind %v), want an internal error", err, fault.KindOf(err))
	}
	var readErr error
	err = s.Update(ctx, func(tx store.Tx) error {
		must(t, tx.Put(store.Limits, huge, []byte("2")))
		_, readErr = tx.Get(store.Limits, "a")
		return readErr
	})
	if readErr == nil || err == nil {
		t.Fatalf("a read after a refused write: %v, update %v; want both to fail", readErr, err)
	}
	err = s.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(store.Limits, "a")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the write queued before the refused one: %v, want not found (nothing committed)", err)
	}
}
