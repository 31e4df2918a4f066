package service_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// racingTransport serves every signed request copies times at once, as
// a replaying attacker racing the client would, and counts the copies
// answered with success; the caller gets a successful answer if any.
type racingTransport struct {
	svc    *service.Service
	copies int
	oks    []int // per signed request
	mu     sync.Mutex
}

func (r *racingTransport) Exchange(ctx context.Context, _ api.Operation, req *auth.Request) (*auth.Response, error) {
	if req.KeyID == "" {
		return r.svc.Serve(ctx, req), nil
	}
	answers := make([]*auth.Response, r.copies)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			c := *req
			answers[i] = r.svc.Serve(ctx, &c)
		})
	}
	wg.Wait()
	ok, first := 0, answers[0]
	for _, a := range answers {
		if a.OK() {
			ok, first = ok+1, a
		}
	}
	r.mu.Lock()
	r.oks = append(r.oks, ok)
	r.mu.Unlock()
	return first, nil
}

// TestReplayRecordConcurrentPostgres: on PostgreSQL the replay record is
// kept without serializable reads of the session's rows (recordnonce.go),
// which must keep its guarantees with requests of one session in flight
// at once: a request raced by 8 copies of itself is answered once, the
// session's accepted requests pass MaxNonces by fewer than its requests
// in flight (16 here), none is lost as a race, and after the window the
// session's entries are purged and it may send again.
func TestReplayRecordConcurrentPostgres(t *testing.T) {
	pg, err := postgres.Create(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	const bound, workers = 20, 16
	limit := func(o *service.Options) { o.MaxNonces = bound }
	h := newHarnessOn(t, pg, "https://approovd.example.com", limit)
	h.enrol()
	opts := service.Options{Now: h.clock.Now, Params: backendtest.CheapParams, Location: []string{"https://approovd.example.com"}}
	limit(&opts)
	svc := service.New(pg, opts) // on the store itself: its transactions are Recorders
	racing := &racingTransport{svc: svc, copies: 8}
	b := backend.NewClient(racing, backend.ClientOptions{Account: "acme", Fingerprint: h.fp, Now: h.clock.Now})
	c := h.mustLogin(role.Admin)
	for range 5 {
		if _, err := b.WhoAmI(h.ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for i, ok := range racing.oks {
		if ok != 1 {
			t.Errorf("request %d raced by 8 copies: answered %d times, want once", i, ok)
		}
	}

	direct := backend.NewClient(handlerTransport{svc}, backend.ClientOptions{Account: "acme", Fingerprint: h.fp, Now: h.clock.Now})
	c = h.mustLogin(role.Dev)
	var accepted, refused atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range 4 {
				_, err := direct.WhoAmI(h.ctx, c)
				switch {
				case err == nil:
					accepted.Add(1)
				case fault.KindOf(err) == fault.Auth && strings.Contains(err.Error(), "too many"):
					refused.Add(1)
				default:
					t.Errorf("whoami: %v, want success or the bound", err)
				}
			}
		})
	}
	wg.Wait()
	if n := accepted.Load(); n < bound || n >= bound+workers {
		t.Errorf("%d of %d requests accepted, want %d up to %d", n, 4*workers, bound, bound+workers-1)
	}
	if n := entries(t, pg, c.Session); n != int(accepted.Load()) {
		t.Errorf("%d replay entries for %d accepted requests", n, accepted.Load())
	}
	h.clock.Advance(auth.Window + 2*time.Minute + time.Second)
	if _, err := direct.WhoAmI(h.ctx, c); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if n := entries(t, pg, c.Session); n != 1 {
		t.Errorf("after the window %d replay entries, want the new one only", n)
	}
}

// entries counts the replay entries of credential.
func entries(t *testing.T, st store.Store, credential string) int {
	t.Helper()
	n := 0
	start, end := store.Prefix(credential + "|")
	err := st.View(context.Background(), func(tx store.Tx) error {
		n = 0
		return tx.Scan(store.Nonces, start, end, func(string, []byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
