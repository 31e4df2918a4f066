package server_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// ownCluster is a durable private cluster (fsync and synchronous commit
// on: an acknowledged commit survives a crash) that only this test stops
// and starts, with two instances on its database.
func ownCluster(t *testing.T) (*pgtest.Cluster, *fleet) {
	t.Helper()
	if err := pgtest.Available(); err != nil {
		pgtest.URL(t) // skips, or fails with CI=true
	}
	c, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	ctx := context.Background()
	f := &fleet{url: c.URL("postgres")}
	for range 2 {
		var st *postgres.Store
		if f.insts == nil {
			st, err = postgres.Create(ctx, f.url)
		} else {
			st, err = postgres.Open(ctx, f.url)
		}
		if err != nil {
			t.Fatal(err)
		}
		f.insts = append(f.insts, servertest.Start(t, servertest.Options{Service: offline, Store: st}))
	}
	f.created = f.insts[0].Account(t, offline, "acme")
	for _, inst := range f.insts {
		b, err := remote.Open(f.created.Account, f.created.Fingerprint, remote.Options{URLs: []string{inst.Location()}, Timeout: 5 * time.Second}, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.b = append(f.b, b)
	}
	return c, f
}

func readyz(t *testing.T, inst *servertest.Instance) int {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback dev certificate
	res, err := c.Get(inst.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// load adds users without pause through both instances until stop,
// keeping the acknowledged ones and counting the refusals by kind.
type load struct {
	mu    sync.Mutex
	acked []string
	kinds map[fault.Kind]int
	other []string // what failed otherwise than as a network error
	n     atomic.Int64
}

func (l *load) run(ctx context.Context, b backend.Backend, admin backend.Caller, worker int, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		email := fmt.Sprintf("w%d-%d@example.com", worker, i)
		_, err := b.AddUser(ctx, admin, api.AddUserRequest{Email: email, Roles: []role.Role{role.Dev}})
		l.n.Add(1)
		l.mu.Lock()
		if err == nil {
			l.acked = append(l.acked, email)
		} else {
			l.kinds[fault.KindOf(err)]++
			if fault.KindOf(err) != fault.Network {
				l.other = append(l.other, err.Error())
			}
			time.Sleep(20 * time.Millisecond) // as a client backs off
		}
		l.mu.Unlock()
	}
}

func (l *load) count() (acked int, failed map[fault.Kind]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	failed = map[fault.Kind]int{}
	for k, v := range l.kinds {
		failed[k] = v
	}
	return len(l.acked), failed
}

// TestDatabaseRestartUnderLoad: PostgreSQL is restarted (a fast shutdown,
// then a crash) under a steady load of writes through two instances.
// Meanwhile /readyz fails and the clients get network errors (exit 7),
// nothing else; afterwards writes succeed again through both, and every
// acknowledged write is in the database.
func TestDatabaseRestartUnderLoad(t *testing.T) {
	ctx := context.Background()
	c, f := ownCluster(t)
	admin := servertest.Onboard(t, f.b[0], f.created.Invitation.Code)
	l := &load{kinds: map[fault.Kind]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { l.run(ctx, f.b[w%2], admin, w, stop) })
	}
	for _, crash := range []bool{false, true} {
		waitProgress(t, l, 20)
		c.Halt(crash)
		for _, inst := range f.insts {
			if got := readyz(t, inst); got != http.StatusServiceUnavailable {
				t.Errorf("/readyz with the database down: %d, want 503", got)
			}
		}
		time.Sleep(500 * time.Millisecond)
		if err := c.Resume(); err != nil {
			t.Fatal(err)
		}
	}
	waitProgress(t, l, 20)
	close(stop)
	wg.Wait()
	acked, failed := l.count()
	t.Logf("%d requests, %d acknowledged, refusals by kind: %v", l.n.Load(), acked, failed)
	for k, n := range failed {
		if k != fault.Network {
			t.Errorf("%d requests failed as %v during the restarts, want only network errors: %q", n, k, l.other)
		}
	}
	if failed[fault.Network] == 0 {
		t.Error("no request failed while the database was down")
	}
	checkAcked(t, f.b[1], admin, l.acked)
	for i, inst := range f.insts {
		if got := readyz(t, inst); got != http.StatusOK {
			t.Errorf("instance %d /readyz after the restarts: %d", i, got)
		}
	}
}

// waitProgress waits for n more acknowledged writes (the load recovered).
func waitProgress(t *testing.T, l *load, n int) {
	t.Helper()
	start, _ := l.count()
	deadline := time.Now().Add(30 * time.Second)
	for acked, _ := l.count(); acked < start+n; acked, _ = l.count() {
		if time.Now().After(deadline) {
			_, failed := l.count()
			t.Fatalf("no recovery: %d writes acknowledged in 30 s (refusals %v)", acked-start, failed)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func checkAcked(t *testing.T, b backend.Backend, admin backend.Caller, acked []string) {
	t.Helper()
	users, err := b.ListUsers(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, u := range users {
		stored[u.Email] = true
	}
	for _, e := range acked {
		if !stored[e] {
			t.Errorf("acknowledged write of %s lost", e)
		}
	}
}

// TestDatabasePartition: with the database gone, each instance says so on
// /readyz and every call fails fast as a network error (exit 7 at the
// CLI), a write leaving nothing behind; once it is back, all recover.
func TestDatabasePartition(t *testing.T) {
	ctx := context.Background()
	c, f := ownCluster(t)
	admin := servertest.Onboard(t, f.b[0], f.created.Invitation.Code)
	c.Halt(false)
	for i, b := range f.b {
		if got := readyz(t, f.insts[i]); got != http.StatusServiceUnavailable {
			t.Errorf("instance %d /readyz: %d, want 503", i, got)
		}
		start := time.Now()
		_, err := b.AddUser(ctx, admin, api.AddUserRequest{Email: "lost@example.com", Roles: []role.Role{role.Dev}})
		if fault.KindOf(err) != fault.Network || time.Since(start) > 3*time.Second {
			t.Errorf("instance %d with the database gone: %v after %v, want a network error at once", i, err, time.Since(start))
		}
	}
	if err := c.Resume(); err != nil {
		t.Fatal(err)
	}
	for i, b := range f.b {
		if got := readyz(t, f.insts[i]); got != http.StatusOK {
			t.Errorf("instance %d /readyz after: %d", i, got)
		}
		if _, err := b.AddUser(ctx, admin, api.AddUserRequest{Email: fmt.Sprintf("back%d@example.com", i), Roles: []role.Role{role.Dev}}); err != nil {
			t.Errorf("instance %d after the database came back: %v", i, err)
		}
	}
	users, err := f.b[0].ListUsers(ctx, admin)
	if err != nil || len(users) != 3 {
		t.Fatalf("%d users (want the owner and two), %v", len(users), err)
	}
}

// TestInstancePartitioned: one of two instances is cut off from the
// database (a proxy between them stops passing bytes, connections open:
// the database seems to stop answering). That instance fails /readyz and
// its calls fail as network errors within its client_timeout, writing
// nothing; the other instance serves on; once the partition heals, the
// first recovers by itself.
func TestInstancePartitioned(t *testing.T) {
	ctx := context.Background()
	f := &fleet{url: pgtest.URL(t)}
	direct, err := postgres.Create(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := pgtest.NewProxy(f.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	u, _ := url.Parse(proxy.URL())
	q := u.Query()
	q.Set("client_timeout", "2s")
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	cut, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []*postgres.Store{cut, direct} {
		f.insts = append(f.insts, servertest.Start(t, servertest.Options{Service: offline, Store: st}))
	}
	f.created = f.insts[0].Account(t, offline, "acme")
	for _, inst := range f.insts {
		b, err := remote.Open(f.created.Account, f.created.Fingerprint, remote.Options{URLs: []string{inst.Location()}, Timeout: 10 * time.Second}, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.b = append(f.b, b)
	}
	admin := servertest.Onboard(t, f.b[0], f.created.Invitation.Code)
	add := func(i int, email string) error {
		_, err := f.b[i].AddUser(ctx, admin, api.AddUserRequest{Email: email, Roles: []role.Role{role.Dev}})
		return err
	}

	proxy.Freeze()
	if got := readyz(t, f.insts[0]); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz of the cut-off instance: %d, want 503", got)
	}
	start := time.Now()
	if err := add(0, "lost@example.com"); fault.KindOf(err) != fault.Network || time.Since(start) > 6*time.Second {
		t.Errorf("a call to the cut-off instance: %v after %v, want a network error within its client_timeout", err, time.Since(start))
	}
	if err := add(1, "served@example.com"); err != nil {
		t.Errorf("the other instance during the partition: %v", err)
	}
	proxy.Thaw()
	deadline := time.Now().Add(20 * time.Second)
	for err := add(0, "back@example.com"); err != nil; err = add(0, "back@example.com") {
		if time.Now().After(deadline) {
			t.Fatalf("the cut-off instance did not recover: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := readyz(t, f.insts[0]); got != http.StatusOK {
		t.Errorf("/readyz after the partition: %d", got)
	}
	users, err := f.b[1].ListUsers(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, u := range users {
		emails = append(emails, u.Email)
	}
	slices.Sort(emails)
	if want := []string{"back@example.com", "owner@example.com", "served@example.com"}; !slices.Equal(emails, want) {
		t.Fatalf("users %v, want %v (nothing of the cut-off call)", emails, want)
	}
}
