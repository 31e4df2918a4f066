package remote_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/server"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
)

var cheap = service.Options{Params: backendtest.CheapParams}

func open(t *testing.T, created service.CreatedAccount, o remote.Options) *remote.Backend {
	t.Helper()
	b, err := remote.Open(created.Account, created.Fingerprint, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// proxy is a man in the middle holding the server's own certificate (the
// worst case: TLS gives no protection) that may alter what passes.
type proxy struct {
	url      string
	mu       sync.Mutex
	request  func(*http.Request)
	response func(*http.Response)
}

func startProxy(t *testing.T, inst *servertest.Instance, dir string) *proxy {
	t.Helper()
	target, _ := url.Parse(inst.URL)
	p := &proxy{}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Host = pr.In.Host
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.request != nil {
			p.request(pr.Out)
		}
	}}
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	rp.ModifyResponse = func(r *http.Response) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.response != nil {
			p.response(r)
		}
		return nil
	}
	cert, _, err := server.DevCertificate(dir)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: rp}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	p.url = auth.WithPin("https://"+ln.Addr().String(), inst.Pin)
	return p
}

func (p *proxy) set(req func(*http.Request), resp func(*http.Response)) {
	p.mu.Lock()
	p.request, p.response = req, resp
	p.mu.Unlock()
}

func rewriteBody(r *http.Request, from, to string) {
	body, _ := io.ReadAll(r.Body)
	body = bytes.ReplaceAll(body, []byte(from), []byte(to))
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
}

// A proxy that alters a request in flight, or replays one, gets a refusal;
// one that alters an answer is detected by the client (a Network fault:
// approov's exit 7).
func TestManInTheMiddle(t *testing.T) {
	dir := t.TempDir()
	inst := servertest.Start(t, servertest.Options{Dir: dir, Service: cheap})
	created := inst.Account(t, cheap, "acme")
	p := startProxy(t, inst, dir)
	b := open(t, created, remote.Options{URLs: []string{p.url}})
	admin := servertest.Onboard(t, b, created.Invitation.Code)
	ctx := context.Background()
	add := api.AddUserRequest{Email: "bob@example.com", Roles: []role.Role{role.Dev}}

	p.set(func(r *http.Request) { rewriteBody(r, `"dev"`, `"admin"`) }, nil)
	if _, err := b.AddUser(ctx, admin, add); fault.KindOf(err) != fault.Auth {
		t.Fatalf("request altered in flight: %v, want an auth refusal", err)
	}
	var recorded *http.Request
	var recordedBody []byte
	p.set(func(r *http.Request) {
		recordedBody, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(recordedBody))
		recorded = r.Clone(context.Background())
	}, nil)
	if _, err := b.AddUser(ctx, admin, add); err != nil {
		t.Fatal(err)
	}
	p.set(nil, nil)
	replay, _ := http.NewRequest("POST", inst.URL+recorded.URL.Path, bytes.NewReader(recordedBody))
	replay.Header = recorded.Header.Clone()
	res, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}).Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed request: %d, want 401", res.StatusCode)
	}
	p.set(nil, func(r *http.Response) {
		body, _ := io.ReadAll(r.Body)
		body = bytes.ReplaceAll(body, []byte("admin"), []byte("dev"))
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		r.Header.Del("Content-Length")
	})
	if _, err := b.WhoAmI(ctx, admin); fault.KindOf(err) != fault.Network || !strings.Contains(err.Error(), "not signed") {
		t.Fatalf("altered answer: %v, want a Network fault", err)
	}
}

// A request whose time is outside the window is refused over HTTP too.
func TestStaleRequest(t *testing.T) {
	inst := servertest.Start(t, servertest.Options{Service: cheap})
	created := inst.Account(t, cheap, "acme")
	b := open(t, created, remote.Options{URLs: []string{inst.Location()}})
	admin := servertest.Onboard(t, b, created.Invitation.Code)
	tr, _ := remote.New(remote.Options{URLs: []string{inst.Location()}})
	req := &auth.Request{Account: "acme", Method: "GET", Path: api.OpWhoAmI.PathFor("acme")}
	req.Sign(admin.Session, admin.Key, time.Now().Add(-10*time.Minute))
	resp, err := tr.Exchange(context.Background(), api.OpWhoAmI.Operation, req)
	if err != nil || resp.Status != http.StatusUnauthorized || !strings.Contains(string(resp.Body), api.CodeClockSkew) {
		t.Fatalf("stale request: %v %+v", err, resp)
	}
}

// A server presenting another service key than the code pins is refused.
func TestOtherServiceKey(t *testing.T) {
	inst := servertest.Start(t, servertest.Options{Service: cheap})
	created := inst.Account(t, cheap, "acme")
	other := servertest.Start(t, servertest.Options{Service: cheap})
	other.Account(t, cheap, "acme") // same name, its own key
	b := open(t, created, remote.Options{URLs: []string{other.Location()}})
	if _, err := b.Info(context.Background()); fault.KindOf(err) != fault.Network || !strings.Contains(err.Error(), "fingerprint") {
		t.Fatalf("impostor server: %v", err)
	}
}

// A primary that is down: the call fails over to the next URL and says so.
func TestFailover(t *testing.T) {
	inst := servertest.Start(t, servertest.Options{Service: cheap})
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "https://" + dead.Addr().String()
	dead.Close()
	created := inst.Account(t, cheap, "acme", deadURL, inst.Location())
	var said []string
	b := open(t, created, remote.Options{URLs: []string{deadURL, inst.Location()}, OnFailover: func(from, to string, err error) {
		said = append(said, from+" -> "+to)
	}})
	admin := servertest.Onboard(t, b, created.Invitation.Code) // init (not idempotent) fails over: never sent
	if _, err := b.WhoAmI(context.Background(), admin); err != nil {
		t.Fatal(err)
	}
	if len(said) == 0 || !strings.HasPrefix(said[0], deadURL+" -> "+inst.URL) || b.Answered() != inst.URL {
		t.Fatalf("failover said %q, answered by %q", said, b.Answered())
	}
}

// A 5xx answer fails an idempotent call over; a non-idempotent one that
// reached a server, without an idempotency key (login.finish), is not
// sent again.
func TestFailoverOn5xx(t *testing.T) {
	inst := servertest.Start(t, servertest.Options{Service: cheap})
	var hits int
	var mu sync.Mutex
	broken := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
	})}
	dir := t.TempDir()
	cert, pin, _ := server.DevCertificate(dir)
	ln, _ := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	go broken.Serve(ln)
	t.Cleanup(func() { broken.Close() })
	brokenURL := auth.WithPin("https://"+ln.Addr().String(), pin)
	created := inst.Account(t, cheap, "acme", brokenURL, inst.Location())
	b := open(t, created, remote.Options{URLs: []string{brokenURL, inst.Location()}})
	if _, err := b.Info(context.Background()); err != nil {
		t.Fatalf("idempotent call past a 502: %v", err)
	}
	before := hits
	_, err := b.LoginFinish(context.Background(), api.LoginFinishRequest{Account: "acme", User: "owner@example.com", Role: role.Admin})
	if hits != before+1 || b.Answered() != strings.SplitN(brokenURL, "#", 2)[0] || err == nil {
		t.Fatalf("non-idempotent call after a 502: hits %d->%d, answered %q, err %v", before, hits, b.Answered(), err)
	}
}

// Sessions live in the store: a restarted server honours them.
func TestRestartKeepsSessions(t *testing.T) {
	dir := t.TempDir()
	inst := servertest.Start(t, servertest.Options{Dir: dir, Service: cheap})
	created := inst.Account(t, cheap, "acme")
	b := open(t, created, remote.Options{URLs: []string{inst.Location()}})
	admin := servertest.Onboard(t, b, created.Invitation.Code)
	inst.Stop()
	again := servertest.Start(t, servertest.Options{Dir: dir, Addr: inst.Addr, Service: cheap})
	if !bytes.Equal(again.Pin, inst.Pin) {
		t.Fatal("the dev certificate changed across a restart")
	}
	if _, err := b.WhoAmI(context.Background(), admin); err != nil {
		t.Fatalf("session after a restart: %v", err)
	}
}

// A users add whose answer is lost on the way back is retried on the next
// URL, signed anew under the same idempotency key: it takes effect once,
// and the retry gets the first answer (the same code).
func TestRetriedAddTakesEffectOnce(t *testing.T) {
	dir := t.TempDir()
	inst := servertest.Start(t, servertest.Options{Dir: dir, Service: cheap})
	p := startProxy(t, inst, dir)
	created := inst.Account(t, cheap, "acme", p.url, inst.Location())
	b := open(t, created, remote.Options{URLs: []string{inst.Location()}})
	admin := servertest.Onboard(t, b, created.Invitation.Code)
	var failedOver []string
	b = open(t, created, remote.Options{URLs: []string{p.url, inst.Location()}, OnFailover: func(from, to string, _ error) {
		failedOver = append(failedOver, from)
	}})
	ctx := context.Background()
	if _, err := b.Info(ctx); err != nil { // pins the key, before answers go missing
		t.Fatal(err)
	}
	var forwarded []string
	p.set(func(r *http.Request) { forwarded = append(forwarded, r.Header.Get(api.HeaderIdempotencyKey)) },
		func(r *http.Response) { r.StatusCode = http.StatusBadGateway }) // the answer is lost
	inv, err := b.AddUser(ctx, admin, api.AddUserRequest{Email: "bob@example.com", Roles: []role.Role{role.Dev}})
	if err != nil {
		t.Fatalf("retried users add: %v", err)
	}
	if len(forwarded) != 1 || forwarded[0] == "" || len(failedOver) != 1 {
		t.Fatalf("forwarded %q, failed over %q", forwarded, failedOver)
	}
	events, err := b.ListAudit(ctx, admin, api.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	adds := 0
	for _, e := range events {
		if e.Op == api.OpUsersAdd.Name {
			adds++
		}
	}
	users, err := b.ListUsers(ctx, admin)
	if err != nil || adds != 1 || len(users) != 2 {
		t.Fatalf("users add ran %d times; users %v, %v", adds, users, err)
	}
	if _, err := auth.ParseCode(inv.Code); err != nil {
		t.Fatalf("the retry's answer is not the first one's invitation: %v", err)
	}
	// The kept answer holds the code, which the service never stores in
	// the clear: sealed, under a key the store holds only hashed.
	_, secret, _ := strings.Cut(inv.Code, ".")
	records := 0
	err = inst.Store.View(ctx, func(tx store.Tx) error {
		return tx.Scan(store.Idempotency, "", "", func(k string, v []byte) error {
			records++
			var rec struct{ Body []byte }
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			if strings.Contains(k+string(v)+string(rec.Body), secret) || strings.Contains(k+string(v), forwarded[0]) {
				t.Errorf("idempotency record %q holds the code or the key in the clear", k)
			}
			return nil
		})
	})
	if err != nil || records == 0 {
		t.Fatalf("idempotency records: %d, %v", records, err)
	}
}

// Without a pin the certificate is verified normally: a self-signed one is
// refused against the system roots, and accepted from a CA file naming it.
func TestCertificateVerifiedNormally(t *testing.T) {
	dir := t.TempDir()
	inst := servertest.Start(t, servertest.Options{Dir: dir, Service: cheap})
	created := inst.Account(t, cheap, "acme", inst.URL)
	ctx := context.Background()
	if _, err := open(t, created, remote.Options{URLs: []string{inst.URL}}).Info(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("self-signed certificate against the system roots: %v", err)
	}
	pool, err := remote.LoadCAFile(filepath.Join(dir, server.DevCertFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open(t, created, remote.Options{URLs: []string{inst.URL}, RootCAs: pool}).Info(ctx); err != nil {
		t.Fatalf("with the CA file: %v", err)
	}
	if _, err := remote.LoadCAFile(filepath.Join(dir, server.DevKeyFile+".missing")); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("missing CA file: %v", err)
	}
	// A pin that is not the server's: refused, whatever the chain.
	wrong := auth.WithPin(inst.URL, auth.TLSPin([]byte("another key")))
	if _, err := open(t, created, remote.Options{URLs: []string{wrong}, RootCAs: pool}).Info(ctx); err == nil || !strings.Contains(err.Error(), "pin") {
		t.Fatalf("wrong pin: %v", err)
	}
}
