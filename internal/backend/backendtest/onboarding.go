package backendtest

import (
	"strings"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// onboardingCases are the cases about onboarding and recovery codes.
var onboardingCases = []testCase{
	{"CodeExpired", testCodeExpired, nil},
	{"CodeReused", testCodeReused, nil},
	{"CodeConcurrentRedemption", testConcurrentRedemption, nil},
	{"CodeTypoCaughtLocally", testCodeTypo, nil},
	{"CodeCannotGrantOtherRole", testCodeOtherRole, nil},
	{"CodeSuperseded", testCodeSuperseded, nil},
	{"Recovery", testRecovery, ops(api.OpUsersRecover)},
	{"RecoveryNotForTokens", testRecoveryNotForTokens, nil},
}

func testCodeExpired(f *fixture) {
	code := mustCode(f.t, f.env.Code)
	info, err := f.b.InspectCode(f.ctx, code)
	must(f.t, err)
	if want := f.clock.Now().Add(72 * time.Hour); !info.ExpiresAt.Equal(want) {
		f.t.Fatalf("code expires %s, want %s (72h)", info.ExpiresAt, want)
	}
	req, _, _ := f.redeemRequest(code, info)
	f.clock.Advance(72 * time.Hour)
	_, err = f.b.Redeem(f.ctx, code, req)
	wantKind(f.t, err, fault.Auth, "expired code")
	_, err = f.b.InspectCode(f.ctx, code)
	wantKind(f.t, err, fault.Auth, "inspecting an expired code")
}

func testCodeReused(f *fixture) {
	code := mustCode(f.t, f.env.Code)
	info, err := f.b.InspectCode(f.ctx, code)
	must(f.t, err)
	req, _, _ := f.redeemRequest(code, info)
	_, err = f.b.Redeem(f.ctx, code, req)
	must(f.t, err)
	_, err = f.b.Redeem(f.ctx, code, req)
	wantKind(f.t, err, fault.Conflict, "second redemption")
	_, err = f.b.InspectCode(f.ctx, code)
	wantKind(f.t, err, fault.Conflict, "inspecting a used code")
	admin := f.mustLogin(info.User, role.Admin)
	events, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{})
	must(f.t, err)
	if n := count(events, "init", "reused"); n != 1 {
		f.t.Fatalf("audit has %d reused-code events, want 1: %+v", n, events)
	}
}

func count(events []api.AuditEvent, op, outcome string) int {
	n := 0
	for _, e := range events {
		if e.Op == op && e.Outcome == outcome {
			n++
		}
	}
	return n
}

// testConcurrentRedemption: 20 goroutines redeem one code, each with its
// own keys; exactly one wins and its keys are the ones enrolled.
func testConcurrentRedemption(f *fixture) {
	code := mustCode(f.t, f.env.Code)
	info, err := f.b.InspectCode(f.ctx, code)
	must(f.t, err)
	const n = 20
	reqs := make([]api.RedeemRequest, n)
	for i := range reqs {
		reqs[i], _, _ = f.redeemRequest(code, info)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = f.b.Redeem(f.ctx, code, reqs[i]) })
	}
	wg.Wait()
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
		case !isKind(err, fault.Conflict):
			f.t.Errorf("redemption %d: %v, want success or conflict", i, err)
		}
	}
	if winners != 1 {
		f.t.Fatalf("%d redemptions succeeded, want exactly 1", winners)
	}
}

func testCodeTypo(f *fixture) {
	good := f.env.Code
	i := strings.IndexByte(good, '.') + 5
	swap := byte('0')
	if good[i] == '0' {
		swap = '1'
	}
	typo := good[:i] + string(swap) + good[i+1:]
	_, err := auth.ParseCode(typo)
	wantKind(f.t, err, fault.Invalid, "code with a typo")
	if strings.Contains(err.Error(), good[i-4:]) {
		f.t.Fatalf("error echoes the secret: %v", err)
	}
	_, err = auth.ParseCode(good[:len(good)-1])
	wantKind(f.t, err, fault.Invalid, "truncated code")
}

// testCodeOtherRole: a dev code cannot enrol admin; the code survives.
func testCodeOtherRole(f *fixture) {
	_, admin := f.admin()
	inv, err := f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: "dev@example.com", Roles: []role.Role{role.Dev}})
	must(f.t, err)
	code := mustCode(f.t, inv.Code)
	info, err := f.b.InspectCode(f.ctx, code)
	must(f.t, err)
	req, _, _ := f.redeemRequest(code, info)
	extra, _, err := backend.PasswordEnrolment(role.Admin, []byte("x"), info.Params)
	must(f.t, err)
	grab := req
	grab.Enrolments = append(append([]api.Enrolment(nil), req.Enrolments...), extra)
	_, err = f.b.Redeem(f.ctx, code, grab)
	wantKind(f.t, err, fault.Permission, "enrolling a role the code does not grant")
	swap := req
	swap.Enrolments = []api.Enrolment{extra}
	_, err = f.b.Redeem(f.ctx, code, swap)
	wantKind(f.t, err, fault.Permission, "enrolling admin instead of dev")
	_, err = f.b.Redeem(f.ctx, code, req)
	must(f.t, err)
	_, err = f.login("dev@example.com", role.Admin, "x")
	wantKind(f.t, err, fault.Auth, "admin login of a dev")
}

func testRecovery(f *fixture) {
	_, admin := f.admin()
	pin, _ := f.invite(admin, "dev@example.com", role.Dev)
	old := f.mustLogin("dev@example.com", role.Dev)
	inv, err := f.b.RecoverUser(f.ctx, admin, api.RecoverUserRequest{Email: "dev@example.com"})
	must(f.t, err)
	code := mustCode(f.t, inv.Code)
	info, err := f.b.InspectCode(f.ctx, code)
	must(f.t, err)
	if info.Kind != api.CodeRecovery || info.PIN == nil || info.PIN.PublicKey != nil {
		f.t.Fatalf("recovery code info = %+v (must give PIN salt, never its key)", info)
	}
	req, _, _ := f.redeemRequest(code, info)
	req.PINProof, err = backend.RecoveryProof("0000-0000-0000", info, req.PIN)
	must(f.t, err)
	_, err = f.b.Redeem(f.ctx, code, req)
	wantKind(f.t, err, fault.Auth, "recovery with a wrong PIN")
	req.PINProof = nil
	_, err = f.b.Redeem(f.ctx, code, req)
	wantKind(f.t, err, fault.Auth, "recovery without a PIN")
	req.PINProof, err = backend.RecoveryProof(pin, info, req.PIN)
	must(f.t, err)
	_, err = f.b.Redeem(f.ctx, code, req)
	must(f.t, err)
	_, err = f.b.WhoAmI(f.ctx, old)
	wantKind(f.t, err, fault.Auth, "session from before recovery")
	f.mustLogin("dev@example.com", role.Dev)
}

// testCodeSuperseded: inviting a user again, or revoking the role, makes
// the earlier code useless.
func testCodeSuperseded(f *fixture) {
	_, admin := f.admin()
	add := api.AddUserRequest{Email: "dev@example.com", Roles: []role.Role{role.Dev}}
	first, err := f.b.AddUser(f.ctx, admin, add)
	must(f.t, err)
	second, err := f.b.AddUser(f.ctx, admin, add)
	must(f.t, err)
	_, err = f.b.InspectCode(f.ctx, mustCode(f.t, first.Code))
	wantKind(f.t, err, fault.Auth, "a superseded code")
	must(f.t, f.b.RevokeRole(f.ctx, admin, api.RevokeRoleRequest{Email: "dev@example.com", Role: role.Dev}))
	_, err = f.b.InspectCode(f.ctx, mustCode(f.t, second.Code))
	wantKind(f.t, err, fault.Auth, "a code for a revoked role")
}

// testRecoveryNotForTokens: recovery needs the PIN, which the automation
// role never shows; a lost token is replaced by rotation or a new code.
func testRecoveryNotForTokens(f *fixture) {
	_, admin := f.admin()
	f.invite(admin, "ci@example.com", role.Automation)
	_, err := f.b.RecoverUser(f.ctx, admin, api.RecoverUserRequest{Email: "ci@example.com"})
	wantKind(f.t, err, fault.Invalid, "a recovery code for the automation role")
	inv, err := f.b.AddUser(f.ctx, admin, api.AddUserRequest{Email: "ci@example.com", Roles: []role.Role{role.Dev}})
	must(f.t, err)
	_, pin, _ := f.redeem(inv.Code)
	// Redeeming an automation code (init never shows its PIN) must not
	// replace the PIN the user holds for its password roles.
	must(f.t, f.b.RevokeRole(f.ctx, admin, api.RevokeRoleRequest{Email: "ci@example.com", Role: role.Automation}))
	f.invite(admin, "ci@example.com", role.Automation)
	inv, err = f.b.RecoverUser(f.ctx, admin, api.RecoverUserRequest{Email: "ci@example.com"})
	must(f.t, err)
	if len(inv.Roles) != 1 || inv.Roles[0].Role != role.Dev {
		f.t.Fatalf("recovery code roles = %+v, want dev only", inv.Roles)
	}
	code := mustCode(f.t, inv.Code)
	info, err := f.b.InspectCode(f.ctx, code)
	must(f.t, err)
	req, _, _ := f.redeemRequest(code, info)
	req.PINProof, err = backend.RecoveryProof(pin, info, req.PIN)
	must(f.t, err)
	if _, err := f.b.Redeem(f.ctx, code, req); err != nil {
		f.t.Fatalf("recovery with the PIN shown for the dev role, after an automation code: %v", err)
	}
}
