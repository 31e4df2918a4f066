package service_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
)

// TestUnknownUserSameWork: a login for an unknown user touches the store in
// exactly the same sequence as a wrong password for a real user, so the two
// fall in the same timing class (and the answers are identical in shape).
func TestUnknownUserSameWork(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	traceLogin := func(user string) ([]string, []string, error) {
		req := api.LoginStartRequest{Account: "acme", User: user, Role: role.Admin}
		h.st.take()
		ch, err := h.b.LoginStart(h.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		start := h.st.take()
		key, _ := backend.PasswordKey([]byte("wrong"), ch)
		_, _, err = backend.Login(h.ctx, h.b, req, ch, key)
		return start, h.st.take(), err
	}
	s1, f1, e1 := traceLogin("owner@example.com")
	s2, f2, e2 := traceLogin("ghost@example.com")
	if !slices.Equal(s1, s2) || !slices.Equal(f1, f2) {
		t.Fatalf("store work differs:\nknown   %q / %q\nunknown %q / %q", s1, f1, s2, f2)
	}
	if e1 == nil || e1.Error() != e2.Error() || fault.KindOf(e1) != fault.KindOf(e2) {
		t.Fatalf("errors differ: %v / %v", e1, e2)
	}
}

func TestDefaultsAreProduction(t *testing.T) {
	h := newHarness(t, func(o *service.Options) { o.Params = auth.Params{} })
	info, err := h.b.Info(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Params != auth.ProductionParams {
		t.Fatalf("default params %+v, want production %+v", info.Params, auth.ProductionParams)
	}
	// An enrolment cheaper than required is refused, before any Argon2 at
	// production cost is spent by this test.
	ci, _ := h.b.InspectCode(h.ctx, h.code)
	e1, _, _ := backend.PasswordEnrolment(role.Admin, []byte("x"), auth.Params{Time: 1, MemoryKiB: 64, Threads: 1})
	e2 := e1
	e2.Role = role.Dev
	req := api.RedeemRequest{Enrolments: []api.Enrolment{e1, e2}, PIN: e1.Verifier}
	if _, err := h.b.Redeem(h.ctx, h.code, req); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "weaker") {
		t.Fatalf("weak enrolment: %v, want invalid", err)
	}
	if ci.Params != auth.ProductionParams {
		t.Fatalf("code params %+v", ci.Params)
	}
}

// The replay cache holds at most MaxNonces live entries per credential: a
// session that fills its own share is refused (fail closed) until the
// window passes, and other sessions are not affected.
func TestReplayCacheBounded(t *testing.T) {
	h := newHarness(t, func(o *service.Options) { o.MaxNonces = 4 })
	h.enrol()
	c, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := h.b.WhoAmI(h.ctx, c); err != nil {
			t.Fatalf("request %d of 4: %v", i+1, err)
		}
	}
	if _, err := h.b.WhoAmI(h.ctx, c); fault.KindOf(err) != fault.Auth || !strings.Contains(err.Error(), "too many") {
		t.Fatalf("full replay cache: %v, want refusal", err)
	}
	other, err := h.login("owner@example.com", role.Dev, "pw-dev")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.b.WhoAmI(h.ctx, other); err != nil {
		t.Fatalf("another session while one is full: %v", err)
	}
	h.clock.Advance(auth.Window + 2*time.Second)
	if _, err := h.b.WhoAmI(h.ctx, c); err != nil {
		t.Fatalf("after the window the cache must have been pruned: %v", err)
	}
}

func TestUnknownAccount(t *testing.T) {
	h := newHarness(t, nil)
	b := backend.NewClient(handlerTransport{h.svc}, backend.ClientOptions{Account: "ghost", Fingerprint: auth.Fingerprint{1}, Now: h.clock.Now})
	if _, err := b.Info(h.ctx); fault.KindOf(err) != fault.Auth {
		t.Fatalf("unknown account: %v", err)
	}
}

func TestMalformedRequests(t *testing.T) {
	h := newHarness(t, nil)
	for _, req := range []auth.Request{
		{},
		{Account: "acme", Method: "POST", Path: "/v1/accounts/acme/nope", Nonce: "n"},
		{Account: "acme", Method: "GET", Path: "/v1/accounts/acme/users", Query: strings.Repeat("a", api.MaxURL)},
		{Account: "acme", Method: "POST", Path: "/v1/accounts/acme/users", Body: make([]byte, api.MaxMessage+1)},
		{Account: "ghost", Method: "GET", Path: "/v1/accounts/acme", Nonce: "n"},
		{Account: "acme", Method: "GET", Path: "/v1/accounts/acme/users", Nonce: strings.Repeat("n", 100), Created: h.clock.Now().Unix()},
	} {
		if resp := h.svc.Serve(h.ctx, &req); resp.OK() || resp.Status < 400 || len(resp.Nonce) > auth.MaxNonce {
			t.Errorf("Serve(%+.60v) = %+v; want an error answer", req, resp)
		}
	}
}

func TestAuditOfRejectedRequests(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	c, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := h.b.ServiceKey(h.ctx)
	stale := backend.NewClient(handlerTransport{h.svc}, backend.ClientOptions{Account: "acme", ServiceKey: key,
		Now: func() time.Time { return h.clock.Now().Add(-time.Hour) }})
	stale.WhoAmI(h.ctx, c)
	dev, _ := h.login("owner@example.com", role.Dev, "pw-dev")
	h.b.ListUsers(h.ctx, dev)
	// A login for a role that does not exist is a failed authentication too.
	if _, err := h.b.LoginFinish(h.ctx, api.LoginFinishRequest{Account: "acme", User: "owner@example.com", Role: "root"}); err == nil {
		t.Fatal("login as root succeeded")
	}
	// A signed mutation whose body does not decode is a failed mutation.
	bad := auth.Request{Account: "acme", Method: api.OpUsersAdd.Method, Path: api.OpUsersAdd.PathFor("acme"), Body: []byte("{not json")}
	bad.Sign(c.Session, c.Key, h.clock.Now())
	h.svc.Serve(h.ctx, &bad)
	events, err := h.b.ListAudit(h.ctx, c, api.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Op+"/"+e.Outcome)
	}
	for _, want := range []string{"whoami/stale-request", "users.list/denied", "login/invalid-request", "users.add/undecodable"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit lacks %s: %q", want, got)
		}
	}
}

func TestAuthorizeTable(t *testing.T) {
	tests := []struct {
		op      service.Op
		allowed []role.Role
	}{
		{"users.add", []role.Role{role.Admin}},
		{"audit.list", []role.Role{role.Admin}},
		{"pin.push", []role.Role{role.Admin}},
		{"pin.add", []role.Role{role.Admin, role.Dev}},
		{"registration.add", role.All},
		{"whoami", role.All},
		{"password", role.All},
		{"app.inspect", role.All}, // no role needed
	}
	for _, tt := range tests {
		for _, r := range role.All {
			err := service.Authorize(tt.op, r)
			if want := slices.Contains(tt.allowed, r); (err == nil) != want {
				t.Errorf("Authorize(%s, %s) = %v, want allowed=%v", tt.op, r, err, want)
			} else if err != nil && fault.KindOf(err) != fault.Permission {
				t.Errorf("Authorize(%s, %s) kind %v", tt.op, r, fault.KindOf(err))
			}
		}
	}
	if err := service.Authorize("rm.rf", role.Admin); fault.KindOf(err) != fault.Permission {
		t.Error("unknown operation must be refused")
	}
	if _, needs, known := service.Roles("app.inspect"); needs || !known {
		t.Error("app.inspect needs no role")
	}
	for _, op := range api.Operations() {
		if op.Cred == api.CredSession {
			if _, _, known := service.Roles(service.Op(op.Name)); !known {
				t.Errorf("operation %s has no policy", op.Name)
			}
		}
	}
	if len(service.Ops()) < 40 {
		t.Errorf("policy has %d ops", len(service.Ops()))
	}
}

func TestRecoveryPINRateLimited(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	admin, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := h.b.RecoverUser(h.ctx, admin, api.RecoverUserRequest{Email: "owner@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := auth.ParseCode(inv.Code)
	info, _ := h.b.InspectCode(h.ctx, code)
	var req api.RedeemRequest
	for _, g := range info.Roles {
		e, _, _ := backend.PasswordEnrolment(g.Role, []byte("new"), info.Params)
		req.Enrolments = append(req.Enrolments, e)
	}
	_, req.PIN, _ = backend.NewPIN(info.Params)
	req.PINProof, _ = backend.RecoveryProof("1111-1111-1111", info, req.PIN)
	for i := range 5 {
		if _, err := h.b.Redeem(h.ctx, code, req); fault.KindOf(err) != fault.Auth {
			t.Fatalf("wrong PIN %d: %v", i, err)
		}
	}
	_, err = h.b.Redeem(h.ctx, code, req)
	if d, ok := api.RetryAfter(err); !ok || d <= 0 {
		t.Fatalf("sixth wrong PIN: %v, want rate limited", err)
	}
	if _, err := h.login("owner@example.com", role.Admin, "pw-admin"); err != nil {
		t.Fatalf("failed recoveries must not disturb the account: %v", err)
	}
}

// Anyone may fetch login challenges: failed logins must not take replay
// cache slots, or an unauthenticated client could fill the cache (failing
// closed) and lock every user out. Only a proven login spends its challenge.
func TestFailedLoginsDoNotFillReplayCache(t *testing.T) {
	h := newHarness(t, func(o *service.Options) { o.MaxNonces = 4 })
	h.enrol() // 2 slots: inspection and redemption
	for i := range 5 {
		if _, err := h.login(fmt.Sprintf("nobody%d@example.com", i), role.Admin, "guess"); fault.KindOf(err) != fault.Auth {
			t.Fatalf("unknown user login: %v", err)
		}
	}
	if _, err := h.login("owner@example.com", role.Admin, "pw-admin"); err != nil {
		t.Fatalf("a real user after failed logins by others: %v", err)
	}
}

// In process (the embedded backend), a read-only request writes nothing:
// no replay record, so no commit and no fdatasync. A refused one is still
// audited, a mutation still records its nonce, and a service reached over
// a channel (approovd) records every request's.
func TestInProcessReadsWriteNothing(t *testing.T) {
	for _, inProcess := range []bool{true, false} {
		h := newHarness(t, func(o *service.Options) { o.InProcess = inProcess })
		h.enrol()
		admin, err := h.login("owner@example.com", role.Admin, "pw-admin")
		if err != nil {
			t.Fatal(err)
		}
		dev, err := h.login("owner@example.com", role.Dev, "pw-dev")
		if err != nil {
			t.Fatal(err)
		}
		h.st.take()
		if _, err := h.b.WhoAmI(h.ctx, admin); err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(h.st.take(), "update"); got == inProcess {
			t.Errorf("in process %v: whoami wrote: %v", inProcess, got)
		}
		if _, err := h.b.ListUsers(h.ctx, dev); fault.KindOf(err) != fault.Permission {
			t.Fatalf("users list as dev: %v", err)
		}
		if !slices.Contains(h.st.take(), "update") {
			t.Errorf("in process %v: a refused read was not audited", inProcess)
		}
		if _, err := h.b.AddUser(h.ctx, admin, api.AddUserRequest{Email: "a@example.com", Roles: []role.Role{role.Dev}}); err != nil {
			t.Fatal(err)
		}
		if n := countOf(h.st.take(), "update"); n < 2 {
			t.Errorf("in process %v: users add made %d write transactions, want its replay record and its change", inProcess, n)
		}
	}
}

func countOf(ops []string, op string) int {
	n := 0
	for _, o := range ops {
		if o == op {
			n++
		}
	}
	return n
}
