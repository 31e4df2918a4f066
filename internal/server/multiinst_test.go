package server_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/server"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// TestMain stops the private PostgreSQL cluster the tests below start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// offline is the service's view of API domains in these tests: none
// resolves, so every push that adds a domain is forced (with a reason).
var offline = service.Options{Params: backendtest.CheapParams, Live: pins.CheckOptions{Fetch: pins.FetchOptions{
	Lookup: func(context.Context, string) ([]netip.Addr, error) { return nil, errors.New("offline test") }}}}

// fleet is n approovd instances in-process on one PostgreSQL database,
// each with its own connection pool (as separate processes have), one
// account, and a remote backend per instance.
type fleet struct {
	insts   []*servertest.Instance
	dirs    []string // each instance's directory (its --dev certificate)
	b       []*remote.Backend
	created service.CreatedAccount
	url     string // the database
}

func startFleet(t *testing.T, n int) *fleet {
	t.Helper()
	ctx := context.Background()
	f := &fleet{url: pgtest.URL(t)}
	first, err := postgres.Create(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		st := first
		if i > 0 {
			if st, err = postgres.Open(ctx, f.url); err != nil {
				t.Fatal(err)
			}
		}
		f.dirs = append(f.dirs, t.TempDir())
		f.insts = append(f.insts, servertest.Start(t, servertest.Options{Dir: f.dirs[i], Service: offline, Store: st}))
	}
	f.created = f.insts[0].Account(t, offline, "acme")
	for _, inst := range f.insts {
		b, err := remote.Open(f.created.Account, f.created.Fingerprint, remote.Options{URLs: []string{inst.Location()}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.b = append(f.b, b)
	}
	return f
}

// redeem spends code through b, enrolling every granted role with
// servertest.Password.
func redeem(ctx context.Context, b backend.Backend, codeText string) (api.CodeInfo, error) {
	code, err := auth.ParseCode(codeText)
	if err != nil {
		return api.CodeInfo{}, err
	}
	info, err := b.InspectCode(ctx, code)
	if err != nil {
		return info, err
	}
	var req api.RedeemRequest
	for _, g := range info.Roles {
		e, _, err := backend.PasswordEnrolment(g.Role, []byte(servertest.Password), info.Params)
		if err != nil {
			return info, err
		}
		req.Enrolments = append(req.Enrolments, e)
	}
	if _, req.PIN, err = backend.NewPIN(info.Params); err != nil {
		return info, err
	}
	_, err = b.Redeem(ctx, code, req)
	return info, err
}

// login starts a login at one instance and finishes it at another: the
// challenge is the account's, not the instance's.
func login(t *testing.T, start, finish backend.Backend, user string, r role.Role) backend.Caller {
	t.Helper()
	ctx := context.Background()
	req := api.LoginStartRequest{Account: "acme", User: user, Role: r}
	ch, err := start.LoginStart(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	key, err := backend.PasswordKey([]byte(servertest.Password), ch)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := backend.Login(ctx, finish, req, ch, key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// domainSet is a pin set of the named domains, one pin each.
func domainSet(names ...string) *pins.PinSet {
	set := &pins.PinSet{Schema: pins.SchemaVersion}
	for _, n := range names {
		set.Domains = append(set.Domains, pins.Domain{Name: n,
			Pins: []pins.PinEntry{{SHA256: sha256.Sum256([]byte(n)), Label: pins.Primary, Type: pins.Leaf}}})
	}
	return set
}

func names(set *pins.PinSet) []string {
	var out []string
	if set != nil {
		for _, d := range set.Domains {
			out = append(out, d.Name)
		}
	}
	slices.Sort(out)
	return out
}

func push(ctx context.Context, b backend.Backend, admin backend.Caller, base uint64, set *pins.PinSet, reason string) (api.PinPushResult, error) {
	return backend.Call(ctx, b, api.OpPinPush, admin, api.PinPushRequest{BaseVersion: base, Set: set, Reason: reason, Force: true})
}

// publicGet fetches the public configuration from inst with If-None-Match.
func publicGet(t *testing.T, inst *servertest.Instance, etag string) (status int, version, newETag string) {
	t.Helper()
	req, _ := http.NewRequest("GET", inst.URL+"/v1/accounts/acme/sdk-config", nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback dev certificate
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get(server.HeaderConfigVer), res.Header.Get("ETag")
}

// TestInstancesAgree: three instances on one database. A login started at
// one finishes at another; a session opened at one works at the others; a
// revocation through one holds at once through every other; a pin push
// through one is what the others serve at once (pin pull, the public
// endpoint's version and ETag, whose in-memory cache checks the head).
func TestInstancesAgree(t *testing.T) {
	ctx := context.Background()
	f := startFleet(t, 3)
	admin := servertest.Onboard(t, f.b[0], f.created.Invitation.Code)
	inv, err := f.b[0].AddUser(ctx, admin, api.AddUserRequest{Email: "bob@example.com", Roles: []role.Role{role.Dev}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := redeem(ctx, f.b[1], inv.Code); err != nil {
		t.Fatal(err)
	}
	bob := login(t, f.b[1], f.b[2], "bob@example.com", role.Dev)
	for i, b := range f.b {
		if _, err := backend.Call(ctx, b, api.OpPinPull, bob, api.Empty{}); err != nil {
			t.Fatalf("bob's session at instance %d: %v", i, err)
		}
	}

	if _, err := push(ctx, f.b[0], admin, 0, domainSet("a.example.com"), "first"); err != nil {
		t.Fatal(err)
	}
	status, v, etag1 := publicGet(t, f.insts[1], "")
	if status != 200 || v != "1" {
		t.Fatalf("instance 1 after the push through 0: %d, version %q", status, v)
	}
	if status, _, _ := publicGet(t, f.insts[2], etag1); status != http.StatusNotModified {
		t.Fatalf("instance 2 with instance 1's ETag: %d, want 304 (one ETag for one version everywhere)", status)
	}
	if _, err := push(ctx, f.b[2], admin, 1, domainSet("a.example.com", "b.example.com"), "second"); err != nil {
		t.Fatal(err)
	}
	for i, inst := range f.insts {
		if status, v, etag := publicGet(t, inst, etag1); status != 200 || v != "2" || etag == etag1 {
			t.Fatalf("instance %d after the push through 2: %d, version %q, ETag %s (old %s)", i, status, v, etag, etag1)
		}
		cur, err := backend.Call(ctx, f.b[i], api.OpPinPull, bob, api.Empty{})
		if err != nil || cur.Version != 2 {
			t.Fatalf("pin pull at instance %d: version %d, %v", i, cur.Version, err)
		}
	}

	if err := f.b[2].RevokeRole(ctx, admin, api.RevokeRoleRequest{Email: "bob@example.com", Role: role.Dev}); err != nil {
		t.Fatal(err)
	}
	for i, b := range f.b {
		if _, err := backend.Call(ctx, b, api.OpPinPull, bob, api.Empty{}); fault.KindOf(err) != fault.Auth {
			t.Fatalf("bob's revoked session at instance %d: %v, want an auth refusal", i, err)
		}
	}
}

// recorder keeps the signed requests a backend sends.
type recorder struct {
	backend.Transport
	mu   sync.Mutex
	reqs []auth.Request
}

func (r *recorder) Exchange(ctx context.Context, op api.Operation, req *auth.Request) (*auth.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, *req)
	r.mu.Unlock()
	return r.Transport.Exchange(ctx, op, req)
}

// TestReplayAcrossInstances: a signed request recorded at one instance
// and sent again, unchanged, to each instance is refused (the replay
// cache is the database's), and so is a spent login challenge.
func TestReplayAcrossInstances(t *testing.T) {
	ctx := context.Background()
	f := startFleet(t, 3)
	admin := servertest.Onboard(t, f.b[0], f.created.Invitation.Code)
	var trs []*remote.Transport
	for _, inst := range f.insts {
		tr, err := remote.New(remote.Options{URLs: []string{inst.Location()}})
		if err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
	}
	rec := &recorder{Transport: trs[0]}
	b := backend.NewClient(rec, backend.ClientOptions{Account: f.created.Account, Fingerprint: f.created.Fingerprint})
	if _, err := b.AddUser(ctx, admin, api.AddUserRequest{Email: "carol@example.com", Roles: []role.Role{role.Dev}}); err != nil {
		t.Fatal(err)
	}
	recorded := rec.reqs[len(rec.reqs)-1]
	for i, tr := range trs {
		req := recorded
		resp, err := tr.Exchange(ctx, api.OpUsersAdd.Operation, &req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusUnauthorized {
			t.Fatalf("request recorded at instance 0 replayed at %d: status %d, want 401", i, resp.Status)
		}
	}
	users, err := f.b[1].ListUsers(ctx, admin)
	if err != nil || len(users) != 2 {
		t.Fatalf("%d users after the replays, want 2 (%v)", len(users), err)
	}
}

// TestCodeSpentOnce: one onboarding code redeemed at the same moment
// through each of three instances is spent exactly once.
func TestCodeSpentOnce(t *testing.T) {
	ctx := context.Background()
	f := startFleet(t, 3)
	admin := servertest.Onboard(t, f.b[0], f.created.Invitation.Code)
	for round := range 5 {
		inv, err := f.b[0].AddUser(ctx, admin, api.AddUserRequest{Email: fmt.Sprintf("d%d@example.com", round), Roles: []role.Role{role.Dev}})
		if err != nil {
			t.Fatal(err)
		}
		errs := make([]error, len(f.b))
		var wg sync.WaitGroup
		for i, b := range f.b {
			wg.Go(func() { _, errs[i] = redeem(ctx, b, inv.Code) })
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case fault.KindOf(err) != fault.Auth && fault.KindOf(err) != fault.Conflict:
				t.Errorf("round %d, instance %d: %v, want success or a refusal", round, i, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: code redeemed %d times (%v), want once", round, won, errs)
		}
	}
}

// TestConcurrentPushes: 30 admins' pushes, spread over three instances,
// all from one base: exactly one wins (the others are conflicts, exit 3);
// then each loser rebases and pushes again until all have landed. The
// history is a serial order: versions 1..30 without gaps, each adding
// exactly one pusher's domain to the one before.
func TestConcurrentPushes(t *testing.T) {
	ctx := context.Background()
	f := startFleet(t, 3)
	admin := servertest.Onboard(t, f.b[0], f.created.Invitation.Code)
	const n = 30
	results := make([]error, n)
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			_, results[w] = push(ctx, f.b[w%3], admin, 0, domainSet(fmt.Sprintf("w%02d.example.com", w)), "race")
		})
	}
	wg.Wait()
	winners := map[int]bool{}
	for w, err := range results {
		switch {
		case err == nil:
			winners[w] = true
		case fault.KindOf(err) != fault.Conflict:
			t.Fatalf("pusher %d: %v, want success or a conflict", w, err)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d pushes from one base won, want exactly 1", len(winners))
	}
	for w := range n {
		if !winners[w] {
			wg.Go(func() { results[w] = pushUntilLanded(ctx, f.b[w%3], admin, fmt.Sprintf("w%02d.example.com", w)) })
		}
	}
	wg.Wait()
	for w, err := range results {
		if err != nil {
			t.Fatalf("pusher %d: %v", w, err)
		}
	}
	checkSerialHistory(t, f.b[1], admin, n)
}

// pushUntilLanded adds domain to the head and pushes, rebasing after each
// conflict, as `approov pin rebase` then `pin push` would.
func pushUntilLanded(ctx context.Context, b backend.Backend, admin backend.Caller, domain string) error {
	for range 200 {
		cur, err := backend.Call(ctx, b, api.OpPinPull, admin, api.Empty{})
		if err != nil {
			return err
		}
		_, err = push(ctx, b, admin, cur.Version, domainSet(append(names(cur.Set), domain)...), "rebased")
		if fault.KindOf(err) != fault.Conflict {
			return err
		}
	}
	return errors.New("never landed")
}

// checkSerialHistory: versions 1..n, each adding one new domain to the one
// before, every pusher's domain once.
func checkSerialHistory(t *testing.T, b backend.Backend, admin backend.Caller, n int) {
	t.Helper()
	ctx := context.Background()
	seen := map[string]bool{}
	var prev []string
	for v := 1; v <= n; v++ {
		cfg, err := backend.Call(ctx, b, api.OpPinShow, admin, api.PinShowRequest{Version: uint64(v)})
		if err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		got := names(cfg.Set)
		if len(got) != len(prev)+1 || !isSubset(prev, got) {
			t.Fatalf("version %d has %v after %v: not one pusher's change on top of the version before", v, got, prev)
		}
		for _, d := range got {
			if !slices.Contains(prev, d) {
				if seen[d] {
					t.Fatalf("domain %s landed twice", d)
				}
				seen[d] = true
			}
		}
		prev = got
	}
	if cur, err := backend.Call(ctx, b, api.OpPinPull, admin, api.Empty{}); err != nil || cur.Version != uint64(n) {
		t.Fatalf("head %d (%v), want %d", cur.Version, err, n)
	}
	if len(seen) != n {
		t.Fatalf("%d domains landed, want %d", len(seen), n)
	}
}

func isSubset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// TestRetryAtAnotherInstance: a push that instance 0 ran but whose answer
// was lost (a proxy in front of it answers 502 instead) is sent again by
// the CLI's transport to instance 1 with the same idempotency key, and
// instance 1 answers the recorded outcome: the push took effect once.
func TestRetryAtAnotherInstance(t *testing.T) {
	ctx := context.Background()
	f := startFleet(t, 2)
	admin := servertest.Onboard(t, f.b[0], f.created.Invitation.Code)
	target, _ := url.Parse(f.insts[0].URL)
	var lost atomic.Int32
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // loopback dev certificate
	rp.ModifyResponse = func(r *http.Response) error {
		if r.Request.Method == http.MethodPost && strings.HasSuffix(r.Request.URL.Path, "/pins") {
			lost.Add(1)
			return errors.New("answer lost") // the proxy answers 502
		}
		return nil
	}
	cert, _, err := server.DevCertificate(f.dirs[0])
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
	b, err := remote.Open(f.created.Account, f.created.Fingerprint, remote.Options{
		URLs: []string{auth.WithPin("https://"+ln.Addr().String(), f.insts[0].Pin), f.insts[1].Location()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := push(ctx, b, admin, 0, domainSet("a.example.com"), "once")
	if err != nil || res.Version != 1 || lost.Load() != 1 {
		t.Fatalf("push through a lost answer: %+v, %v (answers lost %d), want version 1 from the retry", res, err, lost.Load())
	}
	log, err := backend.Call(ctx, f.b[1], api.OpPinLog, admin, api.PinLogRequest{})
	if err != nil || len(log) != 1 {
		t.Fatalf("pin log %+v (%v): want the push once", log, err)
	}
}
