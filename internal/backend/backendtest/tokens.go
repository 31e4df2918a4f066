package backendtest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// tokenCases are the cases about the token secret, example tokens and
// checking tokens, and the audit log's filters.
var tokenCases = []testCase{
	{"TokenSecret", testTokenSecret, ops(api.OpSecretGet, api.OpSecretRotate, api.OpSecretSetKeyID)},
	{"TokenExampleAndCheck", testTokenExampleCheck, ops(api.OpTokenExample, api.OpTokenCheck)},
	{"AuditFilters", testAuditFilters, nil},
}

func testTokenSecret(f *fixture) {
	user, admin := f.admin()
	first := getSecret(f, admin)
	if len(first.Secret) < 32 || first.KeyID != "" || !first.RotatedAt.IsZero() {
		f.t.Fatalf("new secret = %d bytes, kid %q, rotated %v", len(first.Secret), first.KeyID, first.RotatedAt)
	}
	if again := getSecret(f, admin); !bytes.Equal(again.Secret, first.Secret) {
		f.t.Fatal("the secret changed between two reads")
	}
	_, err := backend.Call(f.ctx, f.b, api.OpSecretGet, f.mustLogin(user, role.Dev), api.Empty{})
	wantKind(f.t, err, fault.Permission, "dev reading the secret")
	info, err := backend.Call(f.ctx, f.b, api.OpSecretSetKeyID, admin, api.SetKeyIDRequest{KeyID: "0001"})
	must(f.t, err)
	_, err = backend.Call(f.ctx, f.b, api.OpSecretSetKeyID, admin, api.SetKeyIDRequest{KeyID: "bad\nkid"})
	wantKind(f.t, err, fault.Invalid, "a kid with a newline")
	f.clock.Advance(time.Minute)
	rotated, err := backend.Call(f.ctx, f.b, api.OpSecretRotate, admin, api.Empty{})
	must(f.t, err)
	now := getSecret(f, admin)
	if info.KeyID != "0001" || rotated.RotatedAt.IsZero() || now.KeyID != "0001" || bytes.Equal(now.Secret, first.Secret) {
		f.t.Fatalf("after set-kid and rotate: %+v, %+v, same secret %v", info, rotated, bytes.Equal(now.Secret, first.Secret))
	}
	events, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{Op: "secret"})
	must(f.t, err)
	if count(events, "secret.rotate", "ok") != 1 || count(events, "secret.set-kid", "ok") != 1 || count(events, "secret.get", "ok") != 3 || count(events, "secret.get", "denied") != 1 {
		f.t.Fatalf("secret audit = %+v", events)
	}
	noSecretIn(f, events, first.Secret, now.Secret)
}

func getSecret(f *fixture, who backend.Caller) api.TokenSecret {
	f.t.Helper()
	s, err := backend.Call(f.ctx, f.b, api.OpSecretGet, who, api.Empty{})
	must(f.t, err)
	return s
}

// noSecretIn fails when v's JSON holds any secret in any usual encoding.
func noSecretIn(f *fixture, v any, secrets ...[]byte) {
	f.t.Helper()
	raw, _ := json.Marshal(v)
	for _, s := range secrets {
		for _, enc := range []string{base64.StdEncoding.EncodeToString(s), base64.RawURLEncoding.EncodeToString(s), hex.EncodeToString(s), string(s)} {
			if bytes.Contains(raw, []byte(enc)) {
				f.t.Fatalf("a secret appears in %s", raw)
			}
		}
	}
}

func testTokenExampleCheck(f *fixture) {
	user, admin := f.admin()
	dev := f.mustLogin(user, role.Dev)
	bind := []byte("Bearer abc")
	for _, who := range []backend.Caller{admin, dev} {
		ex := example(f, who, api.TokenExampleRequest{Domain: "api.example.com", Bind: bind, TTL: time.Minute})
		if rep := check(f, who, ex, bind); !rep.Valid || rep.Binding != "matches" {
			f.t.Fatalf("a fresh example does not check: %+v", rep)
		}
		if rep := check(f, who, ex, []byte("other")); rep.Valid {
			f.t.Fatal("a token bound to other data checked")
		}
	}
	bad := example(f, dev, api.TokenExampleRequest{Domain: "api.example.com", Type: "invalid"})
	if rep := check(f, dev, bad, nil); rep.Valid || rep.Problem == "" {
		f.t.Fatalf("an invalid example checked: %+v", rep)
	}
	_, err := backend.Call(f.ctx, f.b, api.OpTokenExample, dev, api.TokenExampleRequest{Domain: "bad domain"})
	wantKind(f.t, err, fault.Usage, "an example for a malformed domain")
	_, err = backend.Call(f.ctx, f.b, api.OpTokenExample, dev, api.TokenExampleRequest{Domain: "a.example", Type: "forged"})
	wantKind(f.t, err, fault.Usage, "an unknown token type")
	old := example(f, admin, api.TokenExampleRequest{Domain: "api.example.com"})
	f.clock.Advance(2 * time.Minute)
	if rep := check(f, admin, example(f, admin, api.TokenExampleRequest{Domain: "a.example", TTL: time.Second}), nil); !rep.Valid {
		f.t.Fatalf("fresh: %+v", rep)
	}
	_, err = backend.Call(f.ctx, f.b, api.OpSecretRotate, admin, api.Empty{})
	must(f.t, err)
	if rep := check(f, admin, old, nil); rep.Valid {
		f.t.Fatal("an example signed before the rotation still checks")
	}
}

func example(f *fixture, who backend.Caller, req api.TokenExampleRequest) string {
	f.t.Helper()
	ex, err := backend.Call(f.ctx, f.b, api.OpTokenExample, who, req)
	must(f.t, err)
	return ex.Token
}

func check(f *fixture, who backend.Caller, token string, bind []byte) struct {
	Valid   bool
	Problem string
	Binding string
} {
	f.t.Helper()
	rep, err := backend.Call(f.ctx, f.b, api.OpTokenCheck, who, api.TokenCheckRequest{Token: token, Bind: bind})
	must(f.t, err)
	return struct {
		Valid   bool
		Problem string
		Binding string
	}{rep.Valid, rep.Problem, string(rep.Binding)}
}

// testAuditFilters: user and operation filters are the service's, and
// combine with since.
func testAuditFilters(f *fixture) {
	user, admin := f.admin()
	f.invite(admin, "bob@example.com", role.Admin)
	f.clock.Advance(time.Minute)
	since := f.clock.Now()
	bob := f.mustLogin("bob@example.com", role.Admin)
	_, err := f.b.AddUser(f.ctx, bob, api.AddUserRequest{Email: "carol@example.com", Roles: []role.Role{role.Dev}})
	must(f.t, err)
	must(f.t, f.b.RevokeRole(f.ctx, admin, api.RevokeRoleRequest{Email: "carol@example.com", Role: role.Dev}))
	byBob, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{User: "BOB@example.com"})
	must(f.t, err)
	for _, e := range byBob {
		if e.User != "bob@example.com" {
			f.t.Fatalf("user filter let through %+v", e)
		}
	}
	if count(byBob, "users.add", "ok") != 1 || count(byBob, "init", "ok") != 1 {
		f.t.Fatalf("bob's events = %+v", byBob)
	}
	users, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{Op: "users", Since: since})
	must(f.t, err)
	if len(users) != 2 || users[0].Op != "users.add" || users[1].Op != "users.revoke" || users[1].User != user {
		f.t.Fatalf("users.* since %v = %+v", since, users)
	}
	exact, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{Op: "users.add", User: user})
	must(f.t, err)
	if len(exact) != 1 || exact[0].Target != "bob@example.com" {
		f.t.Fatalf("users.add by %s = %+v", user, exact)
	}
}
