package backendtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// protocolCases are the cases about the signed protocol: logins, sessions, replay, tampering, forged answers.
var protocolCases = []testCase{
	{"ValidLogin", testValidLogin, ops(api.OpInspectCode, api.OpRedeem, api.OpLoginStart, api.OpLoginFinish, api.OpWhoAmI)},
	{"WrongPassword", testWrongPassword, nil},
	{"UnknownUserIndistinguishable", testUnknownUser, nil},
	{"ReplayedRequest", testReplay, nil},
	{"TamperedBody", testTamperedBody, nil},
	{"OutsideTimeWindow", testTimeWindow, nil},
	{"SessionExpired", testSessionExpired, nil},
	{"SessionAfterLogout", testAfterLogout, ops(api.OpLogout)},
	{"SessionAfterRoleRevocation", testAfterRevocation, nil},
	{"SessionAfterUserRemoval", testAfterRemoval, nil},
	{"SessionAfterUserReAdded", testAfterReAdd, nil},
	{"StolenSessionID", testStolenSessionID, nil},
	{"ForgedAnswer", testForgedAnswer, nil},
	{"WrongPinnedKey", testWrongPin, ops(api.OpInfo)},
}

func testValidLogin(f *fixture) {
	user, admin := f.admin()
	id, err := f.b.WhoAmI(f.ctx, admin)
	must(f.t, err)
	if id.User != user || id.Role != role.Admin || id.Account != f.account() {
		f.t.Fatalf("whoami = %+v", id)
	}
	if want := f.clock.Now().Add(time.Hour); !id.SessionExpiresAt.Equal(want) {
		f.t.Fatalf("session expires %s, want %s (one hour)", id.SessionExpiresAt, want)
	}
	if len(id.Roles) != 2 {
		f.t.Fatalf("roles = %+v, want admin and dev", id.Roles)
	}
	dev := f.mustLogin(user, role.Dev)
	if id, err := f.b.WhoAmI(f.ctx, dev); err != nil || id.Role != role.Dev {
		f.t.Fatalf("dev whoami = %+v, %v", id, err)
	}
}

func testWrongPassword(f *fixture) {
	user, _ := f.admin()
	_, err := f.login(user, role.Admin, "wrong")
	wantKind(f.t, err, fault.Auth, "login with a wrong password")
	_, err = f.login(user, role.Admin, password(role.Dev)) // another role's password
	wantKind(f.t, err, fault.Auth, "login with the dev password as admin")
}

// testUnknownUser: same salt every time, same parameters, same error text
// and the same rate limiting as a real user with a wrong password.
func testUnknownUser(f *fixture) {
	user, _ := f.admin()
	ghost := "nobody@example.com"
	start := func(u string) api.LoginChallenge {
		ch, err := f.b.LoginStart(f.ctx, api.LoginStartRequest{Account: f.account(), User: u, Role: role.Admin})
		must(f.t, err)
		return ch
	}
	a, b, real := start(ghost), start(ghost), start(user)
	if !bytes.Equal(a.Salt, b.Salt) || len(a.Salt) != len(real.Salt) || a.Params != real.Params || a.Token != real.Token {
		f.t.Fatalf("fake challenge differs in shape: %+v vs real %+v", a, real)
	}
	if bytes.Equal(a.Salt, start("other@example.com").Salt) {
		f.t.Fatal("fake salts must differ between users")
	}
	_, errGhost := f.login(ghost, role.Admin, "guess")
	_, errReal := f.login(user, role.Admin, "guess")
	wantKind(f.t, errGhost, fault.Auth, "unknown user login")
	if errGhost.Error() != errReal.Error() || fault.HintOf(errGhost) != fault.HintOf(errReal) {
		f.t.Fatalf("unknown user error %q differs from wrong password %q", errGhost, errReal)
	}
	for range 5 {
		f.login(ghost, role.Admin, "guess")
		f.login(user, role.Admin, "guess")
	}
	_, errGhost = f.login(ghost, role.Admin, "guess")
	_, errReal = f.login(user, role.Admin, "guess")
	dg, okg := api.RetryAfter(errGhost)
	dr, okr := api.RetryAfter(errReal)
	if !okg || !okr || dg != dr {
		f.t.Fatalf("rate limits differ: unknown %v %v, real %v %v", dg, okg, dr, okr)
	}
}

func testReplay(f *fixture) {
	_, admin := f.admin()
	rec := &recorder{next: f.env.Transport}
	c := f.client(func(backend.Transport) backend.Transport { return rec }, nil)
	_, err := c.AddUser(f.ctx, admin, api.AddUserRequest{Email: "a@example.com", Roles: []role.Role{role.Dev}})
	must(f.t, err)
	captured := rec.requests[len(rec.requests)-1]
	err = answerErr(f, f.resend(captured))
	wantKind(f.t, err, fault.Auth, "replayed request")
	if !strings.Contains(err.Error(), "replay") {
		f.t.Fatalf("replayed request refused for another reason: %v", err)
	}
	f.clock.Advance(6 * time.Minute) // and after the window, it is stale
	wantKind(f.t, answerErr(f, f.resend(captured)), fault.Auth, "replay after 6 minutes")
}

// answerErr decodes an answer (without checking its signature) into the
// error it carries, nil if it succeeded.
func answerErr(f *fixture, resp *auth.Response) error {
	f.t.Helper()
	if resp.OK() {
		return nil
	}
	var w api.WireError
	must(f.t, json.Unmarshal(resp.Body, &w))
	if resp.Status < 400 {
		f.t.Fatalf("error answer with status %d", resp.Status)
	}
	return w.Err()
}

func testTamperedBody(f *fixture) {
	_, admin := f.admin()
	rec := &recorder{next: f.env.Transport, request: func(req *auth.Request) {
		req.Body = bytes.ReplaceAll(req.Body, []byte(`"dev"`), []byte(`"admin"`))
	}}
	c := f.client(func(backend.Transport) backend.Transport { return rec }, nil)
	_, err := c.AddUser(f.ctx, admin, api.AddUserRequest{Email: "a@example.com", Roles: []role.Role{role.Dev}})
	wantKind(f.t, err, fault.Auth, "tampered body")
	users, err := f.b.ListUsers(f.ctx, admin)
	must(f.t, err)
	if len(users) != 1 {
		f.t.Fatalf("a tampered request changed state: %+v", users)
	}
}

// testTimeWindow: the service refuses requests signed more than 5 minutes
// from its clock; a client whose clock is off corrects itself from the
// signed answer and retries exactly once.
func testTimeWindow(f *fixture) {
	_, admin := f.admin()
	for _, tt := range []struct {
		skew time.Duration
		ok   bool
	}{{-6 * time.Minute, false}, {6 * time.Minute, false}, {-4 * time.Minute, true}, {4 * time.Minute, true}} {
		req := auth.Request{Account: admin.Account, Method: api.OpWhoAmI.Method, Path: api.OpWhoAmI.PathFor(admin.Account)}
		req.Sign(admin.Session, admin.Key, f.clock.Now().Add(tt.skew))
		err := answerErr(f, f.resend(sent{api.OpWhoAmI.Operation, req}))
		var skew *auth.SkewError
		if tt.ok != (err == nil) || (!tt.ok && !errors.As(err, &skew)) {
			f.t.Fatalf("request %s off: %v, want ok=%v (or a clock-skew refusal)", tt.skew, err, tt.ok)
		}
	}
	rec := &recorder{next: f.env.Transport}
	c := f.client(func(backend.Transport) backend.Transport { return rec }, func() time.Time { return f.clock.Now().Add(10 * time.Minute) })
	must(f.t, pinOnly(f, c))
	n := len(rec.requests)
	_, err := c.WhoAmI(f.ctx, admin)
	must(f.t, err)
	if got := len(rec.requests) - n; got != 2 {
		f.t.Fatalf("a 10-minute-fast client made %d exchanges, want 2 (refused, corrected)", got)
	}
	if d := c.ClockSkew(); d > -9*time.Minute || d < -11*time.Minute {
		f.t.Fatalf("learnt skew %s, want about -10m", d)
	}
	_, err = c.WhoAmI(f.ctx, admin)
	must(f.t, err)
	if got := len(rec.requests) - n; got != 3 {
		f.t.Fatal("the corrected client must not need another retry")
	}
}

// pinOnly fetches and pins the service key.
func pinOnly(f *fixture, c *backend.Client) error {
	_, err := c.ServiceKey(f.ctx)
	return err
}

func testSessionExpired(f *fixture) {
	_, admin := f.admin()
	f.clock.Advance(time.Hour - time.Second)
	_, err := f.b.WhoAmI(f.ctx, admin)
	must(f.t, err)
	f.clock.Advance(time.Second)
	_, err = f.b.WhoAmI(f.ctx, admin)
	wantKind(f.t, err, fault.Auth, "session after one hour")
}

func testAfterLogout(f *fixture) {
	_, admin := f.admin()
	must(f.t, f.b.Logout(f.ctx, admin))
	_, err := f.b.WhoAmI(f.ctx, admin)
	wantKind(f.t, err, fault.Auth, "session after logout")
}

func testAfterRevocation(f *fixture) {
	_, admin := f.admin()
	f.invite(admin, "dev@example.com", role.Dev)
	dev := f.mustLogin("dev@example.com", role.Dev)
	must(f.t, f.b.RevokeRole(f.ctx, admin, api.RevokeRoleRequest{Email: "dev@example.com", Role: role.Dev}))
	_, err := f.b.WhoAmI(f.ctx, dev)
	wantKind(f.t, err, fault.Auth, "live session of a revoked role")
	_, err = f.login("dev@example.com", role.Dev, password(role.Dev))
	wantKind(f.t, err, fault.Auth, "login to a revoked role")
}

func testAfterRemoval(f *fixture) {
	_, admin := f.admin()
	f.invite(admin, "dev@example.com", role.Dev)
	dev := f.mustLogin("dev@example.com", role.Dev)
	must(f.t, f.b.RemoveUser(f.ctx, admin, api.RemoveUserRequest{Email: "dev@example.com"}))
	_, err := f.b.WhoAmI(f.ctx, dev)
	wantKind(f.t, err, fault.Auth, "live session of a removed user")
}

func testStolenSessionID(f *fixture) {
	_, admin := f.admin()
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	thief := backend.Caller{Account: admin.Account, Session: admin.Session, Key: other}
	_, err := f.b.ListUsers(f.ctx, thief)
	wantKind(f.t, err, fault.Auth, "session id without its key")
	if _, err := f.b.WhoAmI(f.ctx, admin); err != nil {
		f.t.Fatalf("the owner's session must survive a thief's attempt: %v", err)
	}
}

func testForgedAnswer(f *fixture) {
	_, admin := f.admin()
	_, mitm, _ := ed25519.GenerateKey(rand.Reader)
	forgeries := map[string]func(*auth.Response) *auth.Response{
		"altered body": func(r *auth.Response) *auth.Response {
			r.Body = bytes.Replace(r.Body, []byte(`"admin"`), []byte(`"dev"`), 1)
			return r
		},
		"altered status": func(r *auth.Response) *auth.Response {
			r.Status = 201
			return r
		},
		"signed by another key": func(r *auth.Response) *auth.Response {
			r.Sign(mitm)
			return r
		},
	}
	for name, forge := range forgeries {
		c := f.client(func(t backend.Transport) backend.Transport { return &recorder{next: t, answer: forge} }, nil)
		_, err := c.WhoAmI(f.ctx, admin)
		wantKind(f.t, err, fault.Network, name)
	}
	// An answer to another request (old nonce) is refused too.
	var last *auth.Response
	rec := &recorder{next: f.env.Transport, answer: func(b *auth.Response) *auth.Response {
		if last == nil {
			last = b
			return b
		}
		return last
	}}
	c := f.client(func(backend.Transport) backend.Transport { return rec }, nil)
	c.Info(f.ctx)
	_, err := c.WhoAmI(f.ctx, admin)
	wantKind(f.t, err, fault.Network, "replayed answer")
}

func testWrongPin(f *fixture) {
	code := mustCode(f.t, f.env.Code)
	c := backend.NewClient(f.env.Transport, backend.ClientOptions{Account: code.Account, Fingerprint: auth.Fingerprint{1}, Now: f.clock.Now})
	_, err := c.InspectCode(f.ctx, code)
	wantKind(f.t, err, fault.Network, "service key not matching the code's fingerprint")
}

// testAfterReAdd: removing a user and inviting the same email again must not
// bring the removed user's live sessions back (their role epochs restart).
func testAfterReAdd(f *fixture) {
	_, admin := f.admin()
	f.invite(admin, "dev@example.com", role.Dev)
	old := f.mustLogin("dev@example.com", role.Dev)
	must(f.t, f.b.RemoveUser(f.ctx, admin, api.RemoveUserRequest{Email: "dev@example.com"}))
	f.invite(admin, "dev@example.com", role.Dev)
	_, err := f.b.WhoAmI(f.ctx, old)
	wantKind(f.t, err, fault.Auth, "session of a removed user after the email was invited again")
	if _, err := f.b.WhoAmI(f.ctx, f.mustLogin("dev@example.com", role.Dev)); err != nil {
		f.t.Fatalf("the new user's own session: %v", err)
	}
}
