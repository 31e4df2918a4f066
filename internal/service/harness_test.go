package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
)

// harness runs the service in-process on a bbolt store wrapped by a
// recording store, with a fake clock.
type harness struct {
	t     testing.TB
	ctx   context.Context
	clock *backendtest.Clock
	st    *tracingStore
	svc   *service.Service
	b     *backend.Client
	code  auth.Code
	fp    auth.Fingerprint // the service key's
}

type handlerTransport struct{ svc *service.Service }

func (h handlerTransport) Exchange(ctx context.Context, _ api.Operation, req *auth.Request) (*auth.Response, error) {
	return h.svc.Serve(ctx, req), nil
}

func newHarness(t testing.TB, mod func(*service.Options)) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "acme.db")
	bolt, err := store.CreateBolt(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bolt.Close() })
	return newHarnessOn(t, bolt, "local:"+path, mod)
}

// newHarnessOn is newHarness on the store st, which codes say is at loc.
func newHarnessOn(t testing.TB, st store.Store, loc string, mod func(*service.Options)) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), clock: backendtest.NewClock(), st: &tracingStore{Store: st}}
	opts := service.Options{Now: h.clock.Now, Params: backendtest.CheapParams, Location: []string{loc}}
	if mod != nil {
		mod(&opts)
	}
	h.svc = service.New(h.st, opts)
	created, err := h.svc.CreateAccount(h.ctx, service.CreateAccountRequest{Name: "acme", FirstUser: "owner@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	h.code, _ = auth.ParseCode(created.Invitation.Code)
	h.fp = created.Fingerprint
	h.b = backend.NewClient(handlerTransport{h.svc}, backend.ClientOptions{Account: "acme", Fingerprint: created.Fingerprint, Now: h.clock.Now})
	return h
}

// enrol redeems the first code with passwords "pw-<role>".
func (h *harness) enrol() {
	h.t.Helper()
	info, err := h.b.InspectCode(h.ctx, h.code)
	if err != nil {
		h.t.Fatal(err)
	}
	var req api.RedeemRequest
	for _, g := range info.Roles {
		e, _, _ := backend.PasswordEnrolment(g.Role, []byte("pw-"+string(g.Role)), info.Params)
		req.Enrolments = append(req.Enrolments, e)
	}
	_, req.PIN, _ = backend.NewPIN(info.Params)
	if _, err := h.b.Redeem(h.ctx, h.code, req); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) login(user string, r role.Role, pw string) (backend.Caller, error) {
	req := api.LoginStartRequest{Account: "acme", User: user, Role: r}
	ch, err := h.b.LoginStart(h.ctx, req)
	if err != nil {
		return backend.Caller{}, err
	}
	key, err := backend.PasswordKey([]byte(pw), ch)
	if err != nil {
		return backend.Caller{}, err
	}
	c, _, err := backend.Login(h.ctx, h.b, req, ch, key)
	return c, err
}

// mustLogin logs the enrolled owner in to role r (password "pw-<role>").
func (h *harness) mustLogin(r role.Role) backend.Caller {
	h.t.Helper()
	c, err := h.login("owner@example.com", r, "pw-"+string(r))
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// tracingStore records the kind and bucket of every store operation, to
// compare the work two requests cause.
type tracingStore struct {
	store.Store
	mu    sync.Mutex
	trace []string
	puts  []string // "bucket key" of every Put
	// conflictFirst makes the first commit of every Update conflict, so
	// each transaction function runs twice.
	conflictFirst bool
	attempts      int
}

func (s *tracingStore) record(op string) {
	s.mu.Lock()
	s.trace = append(s.trace, op)
	s.mu.Unlock()
}

func (s *tracingStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.trace
	s.trace = nil
	return out
}

func (s *tracingStore) View(ctx context.Context, fn func(store.Tx) error) error {
	s.record("view")
	return s.Store.View(ctx, func(tx store.Tx) error { return fn(tracingTx{tx, s}) })
}

func (s *tracingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	s.record("update")
	first := true
	return s.Store.Update(ctx, func(tx store.Tx) error {
		s.mu.Lock()
		s.attempts++
		s.mu.Unlock()
		err := fn(tracingTx{tx, s})
		if err == nil && s.conflictFirst && first {
			first = false
			return store.ErrConflict // rolled back and run again, as after a lost race
		}
		return err
	})
}

func (s *tracingStore) takePuts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.puts
	s.puts = nil
	return out
}

type tracingTx struct {
	store.Tx
	s *tracingStore
}

func (t tracingTx) Get(b store.Bucket, k string) ([]byte, error) {
	v, err := t.Tx.Get(b, k)
	t.s.record(fmt.Sprintf("get %s", b))
	return v, err
}

func (t tracingTx) Put(b store.Bucket, k string, v []byte) error {
	t.s.record(fmt.Sprintf("put %s", b))
	t.s.mu.Lock()
	t.s.puts = append(t.s.puts, fmt.Sprintf("%s %q", b, k))
	t.s.mu.Unlock()
	return t.Tx.Put(b, k, v)
}

func (t tracingTx) Delete(b store.Bucket, k string) error {
	t.s.record(fmt.Sprintf("delete %s", b))
	return t.Tx.Delete(b, k)
}

// Scan records the keys it hands to fn as one "scan <bucket> <n>" entry.
func (t tracingTx) Scan(b store.Bucket, start, end string, fn func(string, []byte) error) error {
	n := 0
	err := t.Tx.Scan(b, start, end, func(k string, v []byte) error { n++; return fn(k, v) })
	t.s.record(fmt.Sprintf("scan %s %d", b, n))
	return err
}
