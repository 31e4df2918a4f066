package backendtest

import (
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// userCases are the cases about user management and the audit log.
var userCases = []testCase{
	{"UsersLifecycle", testUsers, ops(api.OpUsersAdd, api.OpUsersList, api.OpUsersRevoke, api.OpUsersRemove)},
	{"LastAdminKept", testLastAdmin, nil},
	{"TemporaryAdminKeepsPermanentOne", testTemporaryAdminKeepsPermanentOne, nil},
	{"AuditLog", testAudit, ops(api.OpAuditList)},
}

func testUsers(f *fixture) {
	user, admin := f.admin()
	inv, err := f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: "Vendor@Example.com", Roles: []role.Role{role.Delegate}})
	must(f.t, err)
	if inv.User != "vendor@example.com" || inv.Kind != api.CodeOnboarding || len(inv.Roles) != 1 {
		f.t.Fatalf("invitation = %+v", inv)
	}
	_, err = f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: user, Roles: []role.Role{role.Admin}})
	wantKind(f.t, err, fault.Conflict, "granting a role the user already has")
	_, err = f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: "x@example.com", Roles: []role.Role{"root"}})
	wantKind(f.t, err, fault.Usage, "unknown role")
	users, err := f.b.ListUsers(f.ctx, admin)
	must(f.t, err)
	if len(users) != 2 || users[1].Email != "vendor@example.com" || users[1].Roles[0].State != api.RolePending {
		f.t.Fatalf("users = %+v", users)
	}
	f.redeem(inv.Code)
	must(f.t, f.b.RevokeRole(f.ctx, admin, api.RevokeRoleRequest{Email: "vendor@example.com", Role: role.Delegate}))
	users, _ = f.b.ListUsers(f.ctx, admin)
	if users[1].Roles[0].State != api.RoleRevoked {
		f.t.Fatalf("after revoke: %+v", users[1])
	}
	must(f.t, f.b.RemoveUser(f.ctx, admin, api.RemoveUserRequest{Email: "vendor@example.com"}))
	wantKind(f.t, f.b.RemoveUser(f.ctx, admin, api.RemoveUserRequest{Email: "vendor@example.com"}), fault.Invalid, "removing twice")
	users, _ = f.b.ListUsers(f.ctx, admin)
	if len(users) != 1 {
		f.t.Fatalf("after remove: %+v", users)
	}
}

func testLastAdmin(f *fixture) {
	user, admin := f.admin()
	wantKind(f.t, f.b.RevokeRole(f.ctx, admin, api.RevokeRoleRequest{Email: user, Role: role.Admin}), fault.Conflict, "revoking the last admin")
	wantKind(f.t, f.b.RemoveUser(f.ctx, admin, api.RemoveUserRequest{Email: user}), fault.Conflict, "removing the last admin")
}

func testAudit(f *fixture) {
	user, admin := f.admin()
	f.login(user, role.Admin, "wrong")
	_, err := f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: "a@example.com", Roles: []role.Role{role.Dev}})
	must(f.t, err)
	events, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{})
	must(f.t, err)
	want := []struct{ op, outcome string }{
		{"account.create", "ok"}, {"init", "ok"}, {"login", "ok"}, {"login", "bad-credentials"}, {"users.add", "ok"},
	}
	for _, w := range want {
		if count(events, w.op, w.outcome) == 0 {
			f.t.Errorf("audit lacks %s/%s: %+v", w.op, w.outcome, events)
		}
	}
	for i, e := range events {
		if e.Time.IsZero() || (i > 0 && e.Seq <= events[i-1].Seq) {
			f.t.Fatalf("event %d badly ordered or untimed: %+v", i, e)
		}
	}
	last := events[len(events)-1]
	if last.User != user || last.Role != role.Admin || last.Target != "a@example.com" {
		f.t.Fatalf("last event = %+v", last)
	}
	limited, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{Limit: 2})
	must(f.t, err)
	if len(limited) != 2 {
		f.t.Fatalf("limit 2 gave %d events", len(limited))
	}
}

// testTemporaryAdminKeepsPermanentOne: a time-limited admin cannot remove or
// revoke the last admin without expiry, which would leave the account with
// no admin at all once its own role expires.
func testTemporaryAdminKeepsPermanentOne(f *fixture) {
	owner, admin := f.admin()
	inv, err := f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: "temp@example.com", Roles: []role.Role{role.Admin}, RoleExpiresAt: f.clock.Now().Add(24 * time.Hour)})
	must(f.t, err)
	f.redeem(inv.Code)
	temp := f.mustLogin("temp@example.com", role.Admin)
	err = f.b.RevokeRole(f.ctx, temp, api.RevokeRoleRequest{Email: owner, Role: role.Admin})
	wantKind(f.t, err, fault.Conflict, "a temporary admin revoking the last permanent admin")
	err = f.b.RemoveUser(f.ctx, temp, api.RemoveUserRequest{Email: owner})
	wantKind(f.t, err, fault.Conflict, "a temporary admin removing the last permanent admin")
	must(f.t, f.b.RevokeRole(f.ctx, admin, api.RevokeRoleRequest{Email: "temp@example.com", Role: role.Admin}))
}
