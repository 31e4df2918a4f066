package backendtest

import (
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// roleCases are the cases about roles: rate limits, permissions, password and token changes, expiry.
var roleCases = []testCase{
	{"RateLimit", testRateLimit, nil},
	{"Permission", testPermission, nil},
	{"PasswordChange", testPasswordChange, ops(api.OpPassword)},
	{"RoleExpiry", testRoleExpiry, nil},
	{"GrantNotBeyondOwnExpiry", testGrantNotBeyondOwnExpiry, nil},
	{"AutomationToken", testAutomation, nil},
	{"AutomationTokenRotation", testTokenRotation, nil},
}

func testRateLimit(f *fixture) {
	user, _ := f.admin()
	for i := range 5 {
		_, err := f.login(user, role.Admin, "wrong")
		if _, limited := api.RetryAfter(err); limited || !isKind(err, fault.Auth) {
			f.t.Fatalf("attempt %d: %v, want a plain auth failure", i+1, err)
		}
	}
	_, err := f.login(user, role.Admin, password(role.Admin))
	d, limited := api.RetryAfter(err)
	if !limited || d <= 0 || !isKind(err, fault.Auth) {
		f.t.Fatalf("sixth attempt: %v, want rate limited even with the right password", err)
	}
	if _, err := f.login(user, role.Dev, password(role.Dev)); err != nil {
		f.t.Fatalf("the limit is per user and role; dev login: %v", err)
	}
	f.clock.Advance(d)
	if _, err := f.login(user, role.Admin, password(role.Admin)); err != nil {
		f.t.Fatalf("after waiting %s: %v", d, err)
	}
}

func testPermission(f *fixture) {
	user, _ := f.admin()
	dev := f.mustLogin(user, role.Dev)
	_, err := f.b.ListUsers(f.ctx, dev)
	wantKind(f.t, err, fault.Permission, "dev listing users")
	_, err = f.b.AddUser(f.ctx, dev, api.AddUserRequest{Email: "x@example.com", Roles: []role.Role{role.Admin}})
	wantKind(f.t, err, fault.Permission, "dev inviting an admin")
	_, err = f.b.ListAudit(f.ctx, dev, api.AuditQuery{})
	wantKind(f.t, err, fault.Permission, "dev reading the audit log")
	if _, err := f.b.WhoAmI(f.ctx, dev); err != nil {
		f.t.Fatalf("dev whoami: %v", err)
	}
}

func testPasswordChange(f *fixture) {
	user, admin := f.admin()
	other := f.mustLogin(user, role.Admin)
	dev := f.mustLogin(user, role.Dev)
	info, err := f.b.Info(f.ctx)
	must(f.t, err)
	e, _, err := backend.PasswordEnrolment(role.Dev, []byte("new"), info.Params)
	must(f.t, err)
	wantKind(f.t, f.b.ChangePassword(f.ctx, admin, e), fault.Permission, "admin session changing the dev key")
	e.Role = role.Admin
	weak := e
	weak.Verifier.Params.Time = 0
	wantKind(f.t, f.b.ChangePassword(f.ctx, admin, weak), fault.Invalid, "enrolment with broken params")
	must(f.t, f.b.ChangePassword(f.ctx, admin, e))
	for _, c := range []backend.Caller{admin, other} {
		_, err := f.b.WhoAmI(f.ctx, c)
		wantKind(f.t, err, fault.Auth, "admin session after a password change")
	}
	if _, err := f.b.WhoAmI(f.ctx, dev); err != nil {
		f.t.Fatalf("dev session must survive an admin password change: %v", err)
	}
	_, err = f.login(user, role.Admin, password(role.Admin))
	wantKind(f.t, err, fault.Auth, "old password")
	if _, err := f.login(user, role.Admin, "new"); err != nil {
		f.t.Fatalf("new password: %v", err)
	}
}

func testRoleExpiry(f *fixture) {
	_, admin := f.admin()
	until := f.clock.Now().Add(2 * time.Hour)
	inv, err := f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: "temp@example.com", Roles: []role.Role{role.Dev}, RoleExpiresAt: until})
	must(f.t, err)
	f.redeem(inv.Code)
	f.clock.Advance(90 * time.Minute)
	dev := f.mustLogin("temp@example.com", role.Dev)
	id, err := f.b.WhoAmI(f.ctx, dev)
	must(f.t, err)
	if !id.SessionExpiresAt.Equal(until) {
		f.t.Fatalf("session expires %s, want capped at the role's expiry %s", id.SessionExpiresAt, until)
	}
	f.clock.Advance(30 * time.Minute)
	_, err = f.b.WhoAmI(f.ctx, dev)
	wantKind(f.t, err, fault.Auth, "session after role expiry")
	_, err = f.login("temp@example.com", role.Dev, password(role.Dev))
	wantKind(f.t, err, fault.Auth, "login after role expiry")
}

func testAutomation(f *fixture) {
	_, admin := f.admin()
	_, tok := f.invite(admin, "ci@example.com", role.Automation)
	ch, err := f.b.LoginStart(f.ctx, api.LoginStartRequest{Account: f.account(), User: "ci@example.com", Role: role.Automation})
	must(f.t, err)
	if !ch.Token {
		f.t.Fatal("automation challenge must ask for a management token")
	}
	if _, err := backend.PasswordKey([]byte("x"), ch); !isKind(err, fault.Auth) {
		f.t.Fatalf("password for a token role: %v", err)
	}
	ci, err := f.loginKey(tok.User, role.Automation, tok.PrivateKey())
	must(f.t, err)
	if id, err := f.b.WhoAmI(f.ctx, ci); err != nil || id.Role != role.Automation {
		f.t.Fatalf("automation whoami = %+v, %v", id, err)
	}
	_, err = f.b.ListUsers(f.ctx, ci)
	wantKind(f.t, err, fault.Permission, "automation listing users")
}

// testGrantNotBeyondOwnExpiry: an admin whose own role expires cannot hand
// out roles that outlive it (e.g. to a second address of its own).
func testGrantNotBeyondOwnExpiry(f *fixture) {
	_, admin := f.admin()
	until := f.clock.Now().Add(24 * time.Hour)
	inv, err := f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: "temp@example.com", Roles: []role.Role{role.Admin}, RoleExpiresAt: until})
	must(f.t, err)
	f.redeem(inv.Code)
	temp := f.mustLogin("temp@example.com", role.Admin)
	_, err = f.b.AddUser(f.ctx, temp, api.AddUserRequest{Email: "alt@example.com", Roles: []role.Role{role.Admin}, RoleExpiresAt: until.Add(time.Hour)})
	wantKind(f.t, err, fault.Permission, "a temporary admin granting a role beyond its own expiry")
	inv, err = f.b.AddUser(f.ctx, temp, api.AddUserRequest{Email: "alt@example.com", Roles: []role.Role{role.Dev}})
	must(f.t, err)
	if got := inv.Roles[0].ExpiresAt; !got.Equal(until) {
		f.t.Fatalf("default expiry of a temporary admin's grant = %s, want its own %s", got, until)
	}
}

// testTokenRotation: `password` for the automation role enrols a new
// management token; the old token and its sessions stop working.
func testTokenRotation(f *fixture) {
	_, admin := f.admin()
	_, old := f.invite(admin, "ci@example.com", role.Automation)
	ci, err := f.loginKey(old.User, role.Automation, old.PrivateKey())
	must(f.t, err)
	fresh, err := auth.NewManagementToken(old.Account, old.User, old.Backend, old.ServiceKey)
	must(f.t, err)
	pw, _, err := backend.PasswordEnrolment(role.Automation, []byte("a password"), CheapParams)
	must(f.t, err)
	wantKind(f.t, f.b.ChangePassword(f.ctx, ci, pw), fault.Invalid, "a password for the automation role")
	must(f.t, f.b.ChangePassword(f.ctx, ci, backend.TokenEnrolment(fresh)))
	_, err = f.b.WhoAmI(f.ctx, ci)
	wantKind(f.t, err, fault.Auth, "session of the rotated token")
	_, err = f.loginKey(old.User, role.Automation, old.PrivateKey())
	wantKind(f.t, err, fault.Auth, "login with the rotated token")
	if _, err := f.loginKey(fresh.User, role.Automation, fresh.PrivateKey()); err != nil {
		f.t.Fatalf("login with the new token: %v", err)
	}
}
