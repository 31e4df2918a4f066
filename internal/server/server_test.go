package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/server"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/service"
)

var cheap = service.Options{Params: backendtest.CheapParams}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a server with cfg and an account on it, reached remotely.
func start(t *testing.T, cfg server.Config) (*servertest.Instance, *remote.Backend, service.CreatedAccount) {
	t.Helper()
	inst := servertest.Start(t, servertest.Options{Service: cheap, Server: cfg})
	created := inst.Account(t, cheap, "acme")
	b, err := remote.Open(created.Account, created.Fingerprint, remote.Options{URLs: []string{inst.Location()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return inst, b, created
}

// The request log never holds a code, a session id, a signature or a body.
func TestLogsHoldNoSecret(t *testing.T) {
	logs := &syncBuffer{}
	_, b, created := start(t, server.Config{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	admin := servertest.Onboard(t, b, created.Invitation.Code)
	ctx := context.Background()
	inv, err := b.AddUser(ctx, admin, api.AddUserRequest{Email: "bob@example.com", Roles: []role.Role{role.Dev}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.RemoveUser(ctx, admin, api.RemoveUserRequest{Email: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, op := range []string{`"op":"init"`, `"op":"login.finish"`, `"op":"users.add"`, `"op":"users.remove"`} {
		if !strings.Contains(out, op) {
			t.Errorf("no log line for %s:\n%s", op, out)
		}
	}
	_, firstSecret, _ := strings.Cut(created.Invitation.Code, ".")
	_, bobSecret, _ := strings.Cut(inv.Code, ".")
	for name, secret := range map[string]string{"first code": firstSecret, "bob's code": bobSecret, "session": admin.Session,
		"body field": "bob@example.com", "password": servertest.Password, "enrolment": "public_key", "signature header": api.HeaderSignature} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds the %s (%q):\n%s", name, secret, out)
		}
	}
}

func TestProbes(t *testing.T) {
	inst, _, _ := start(t, server.Config{})
	c := insecureClient()
	for _, p := range []string{"/healthz", "/readyz"} {
		if status := get(t, c, inst.URL+p); status != http.StatusOK {
			t.Errorf("%s: %d", p, status)
		}
	}
	inst.Store.Close() // the store goes away under the server
	if status := get(t, c, inst.URL+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz without a store: %d, want 503", status)
	}
	if status := get(t, c, inst.URL+"/healthz"); status != http.StatusOK {
		t.Errorf("/healthz without a store: %d, want 200 (the process is up)", status)
	}
}

// A client over its rate gets a signed 429 with Retry-After.
func TestRateLimit(t *testing.T) {
	inst, b, _ := start(t, server.Config{Limits: server.Limits{PerAddress: 0.01, AddressBurst: 3, PerAccount: 1000, AccountBurst: 1000}})
	ctx := context.Background()
	var err error
	for range 5 {
		if _, err = b.Info(ctx); err != nil {
			break
		}
	}
	if wait, ok := api.RetryAfter(err); !ok || fault.KindOf(err) != fault.Auth || wait < time.Second {
		t.Fatalf("over the rate: %v (retry after %v, %v), want a verified rate-limit refusal", err, wait, ok)
	}
	res, err := insecureClient().Get(inst.URL + api.OpInfo.PathFor("acme"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if after, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != http.StatusTooManyRequests || after < 1 || res.Header.Get(api.HeaderSignature) == "" {
		t.Fatalf("status %d, Retry-After %q, signed %v", res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get(api.HeaderSignature) != "")
	}
}

// The public configuration endpoint is rate limited per address too.
func TestPublicEndpointRateLimit(t *testing.T) {
	inst, _, created := start(t, server.Config{Limits: server.Limits{PerAddress: 0.01, AddressBurst: 3, PerAccount: 1000, AccountBurst: 1000}})
	var res *http.Response
	for range 4 {
		var err error
		if res, err = insecureClient().Get(inst.URL + "/v1/accounts/" + created.Account + "/sdk-config"); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if after, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != http.StatusTooManyRequests || after < 1 {
		t.Fatalf("status %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

// The per-account limit holds whatever the addresses: another account on
// the same server is not held back by it.
func TestAccountRateLimit(t *testing.T) {
	inst, b, _ := start(t, server.Config{Limits: server.Limits{PerAddress: 1e6, AddressBurst: 1e6, PerAccount: 0.01, AccountBurst: 3}})
	other := inst.Account(t, cheap, "beta")
	ob, err := remote.Open(other.Account, other.Fingerprint, remote.Options{URLs: []string{inst.Location()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 5 {
		if _, err = b.Info(ctx); err != nil {
			break
		}
	}
	if _, ok := api.RetryAfter(err); !ok {
		t.Fatalf("over the account's rate: %v", err)
	}
	if _, err := ob.Info(ctx); err != nil {
		t.Fatalf("another account held back: %v", err)
	}
}

func TestSizeLimits(t *testing.T) {
	inst, _, _ := start(t, server.Config{MaxHeaderBytes: 4 << 10})
	c := insecureClient()
	users := inst.URL + api.OpUsersAdd.PathFor("acme")
	res, err := c.Post(users, "application/json", bytes.NewReader(make([]byte, 2<<20)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %d", res.StatusCode)
	}
	if status := get(t, c, users+"?email="+strings.Repeat("a", 3000)); status != http.StatusRequestURITooLong {
		t.Errorf("3 KB query: %d", status)
	}
	req, _ := http.NewRequest("GET", inst.URL+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 8<<10))
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("8 KB header: %d", res.StatusCode)
	}
}

// Slow clients that never finish their headers are cut off at the header
// timeout, and do not keep others out meanwhile.
func TestSlowLoris(t *testing.T) {
	inst, b, _ := start(t, server.Config{ReadHeaderTimeout: 300 * time.Millisecond})
	const slow = 64
	conns := make([]*tls.Conn, 0, slow)
	for range slow {
		conn, err := tls.Dial("tcp", inst.Addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		conns = append(conns, conn)
	}
	if _, err := b.Info(context.Background()); err != nil {
		t.Fatalf("a normal client is kept out by slow ones: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for i, conn := range conns {
		conn.SetReadDeadline(deadline)
		if _, err := io.ReadAll(conn); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("slow connection %d still open after 5 s: %v", i, err)
		}
	}
}

// Shutdown lets an in-flight request finish.
func TestGracefulShutdown(t *testing.T) {
	inst, _, _ := start(t, server.Config{})
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", inst.URL+api.OpLoginStart.PathFor("acme"), pr)
	req.ContentLength = -1
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := insecureClient().Do(req)
		if err != nil {
			done <- result{0, err}
			return
		}
		res.Body.Close()
		done <- result{res.StatusCode, nil}
	}()
	io.WriteString(pw, `{"account":"acme",`)
	time.Sleep(200 * time.Millisecond) // the request is being read
	stopped := make(chan struct{})
	go func() { inst.Stop(); close(stopped) }()
	time.Sleep(200 * time.Millisecond)
	select {
	case <-stopped:
		t.Fatal("the server stopped with a request in flight")
	default:
	}
	io.WriteString(pw, `"user":"owner@example.com","role":"admin"}`)
	pw.Close()
	r := <-done
	if r.err != nil || r.status == 0 {
		t.Fatalf("in-flight request: %d, %v", r.status, r.err)
	}
	select {
	case <-stopped:
	case <-time.After(server.ShutdownTimeout):
		t.Fatal("the server did not stop once the request finished")
	}
}

func insecureClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

func get(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

var _ backend.Backend = (*remote.Backend)(nil)
