package backendtest

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// fixture is one running case.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	env   Env
	clock *Clock
	b     backend.Backend
	live  *liveServer
}

func password(r role.Role) string { return "correct horse " + string(r) }

// redeem enrols every role of code with password(role) (or a management
// token for automation) and returns the PIN and token.
func (f *fixture) redeem(codeText string) (api.Redeemed, string, auth.ManagementToken) {
	f.t.Helper()
	code := mustCode(f.t, codeText)
	info, err := f.b.InspectCode(f.ctx, code)
	must(f.t, err)
	req, pin, tok := f.redeemRequest(code, info)
	out, err := f.b.Redeem(f.ctx, code, req)
	must(f.t, err)
	return out, pin, tok
}

func (f *fixture) redeemRequest(code auth.Code, info api.CodeInfo) (api.RedeemRequest, string, auth.ManagementToken) {
	f.t.Helper()
	var req api.RedeemRequest
	var tok auth.ManagementToken
	for _, g := range info.Roles {
		if g.Role == role.Automation {
			var err error
			tok, err = auth.NewManagementToken(info.Account, info.User, code.Backend, code.ServiceKey)
			must(f.t, err)
			req.Enrolments = append(req.Enrolments, backend.TokenEnrolment(tok))
			continue
		}
		e, _, err := backend.PasswordEnrolment(g.Role, []byte(password(g.Role)), info.Params)
		must(f.t, err)
		req.Enrolments = append(req.Enrolments, e)
	}
	pin, v, err := backend.NewPIN(info.Params)
	must(f.t, err)
	req.PIN = v
	return req, pin, tok
}

// login opens a session with a password.
func (f *fixture) login(user string, r role.Role, pw string) (backend.Caller, error) {
	f.t.Helper()
	req := api.LoginStartRequest{Account: f.account(), User: user, Role: r}
	ch, err := f.b.LoginStart(f.ctx, req)
	if err != nil {
		return backend.Caller{}, err
	}
	key, err := backend.PasswordKey([]byte(pw), ch)
	if err != nil {
		return backend.Caller{}, err
	}
	c, _, err := backend.Login(f.ctx, f.b, req, ch, key)
	return c, err
}

func (f *fixture) loginKey(user string, r role.Role, key ed25519.PrivateKey) (backend.Caller, error) {
	req := api.LoginStartRequest{Account: f.account(), User: user, Role: r}
	ch, err := f.b.LoginStart(f.ctx, req)
	if err != nil {
		return backend.Caller{}, err
	}
	c, _, err := backend.Login(f.ctx, f.b, req, ch, key)
	return c, err
}

func (f *fixture) mustLogin(user string, r role.Role) backend.Caller {
	f.t.Helper()
	c, err := f.login(user, r, password(r))
	must(f.t, err)
	return c
}

func (f *fixture) account() string { return mustCode(f.t, f.env.Code).Account }

// admin redeems the first code and logs in as admin.
func (f *fixture) admin() (string, backend.Caller) {
	f.t.Helper()
	out, _, _ := f.redeem(f.env.Code)
	return out.User, f.mustLogin(out.User, role.Admin)
}

// invite adds a user with roles and redeems the code.
func (f *fixture) invite(admin backend.Caller, email string, roles ...role.Role) (string, auth.ManagementToken) {
	f.t.Helper()
	inv, err := f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: email, Roles: roles})
	must(f.t, err)
	_, pin, tok := f.redeem(inv.Code)
	return pin, tok
}

// client builds a second Client on the fixture's transport, optionally
// wrapped, pinned to the account's fingerprint.
func (f *fixture) client(wrap func(backend.Transport) backend.Transport, now func() time.Time) *backend.Client {
	code := mustCode(f.t, f.env.Code)
	t := f.env.Transport
	if wrap != nil {
		t = wrap(t)
	}
	if now == nil {
		now = f.clock.Now
	}
	return backend.NewClient(t, backend.ClientOptions{Account: code.Account, Fingerprint: code.ServiceKey, Now: now})
}

func mustCode(t *testing.T, s string) auth.Code {
	t.Helper()
	c, err := auth.ParseCode(s)
	must(t, err)
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantKind fails unless err has the given kind.
func wantKind(t *testing.T, err error, k fault.Kind, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want a %s error", what, k)
	}
	if got := fault.KindOf(err); got != k {
		t.Fatalf("%s: error kind %s (%v), want %s", what, got, err, k)
	}
}

func isKind(err error, k fault.Kind) bool { return err != nil && fault.KindOf(err) == k }
