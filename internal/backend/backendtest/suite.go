package backendtest

import (
	"context"
	"testing"

	"github.com/approov-cli/approov/internal/backend"
)

// Run runs the conformance suite. newEnv must build a fresh account on the
// implementation under test, using cfg's clock and Argon2id parameters.
func Run(t *testing.T, newEnv func(t *testing.T, cfg Config) Env) {
	cases := []struct {
		name string
		fn   func(f *fixture)
	}{
		{"ValidLogin", testValidLogin},
		{"WrongPassword", testWrongPassword},
		{"UnknownUserIndistinguishable", testUnknownUser},
		{"ReplayedRequest", testReplay},
		{"TamperedBody", testTamperedBody},
		{"OutsideTimeWindow", testTimeWindow},
		{"SessionExpired", testSessionExpired},
		{"SessionAfterLogout", testAfterLogout},
		{"SessionAfterRoleRevocation", testAfterRevocation},
		{"SessionAfterUserRemoval", testAfterRemoval},
		{"SessionAfterUserReAdded", testAfterReAdd},
		{"StolenSessionID", testStolenSessionID},
		{"ForgedAnswer", testForgedAnswer},
		{"WrongPinnedKey", testWrongPin},
		{"RateLimit", testRateLimit},
		{"Permission", testPermission},
		{"PasswordChange", testPasswordChange},
		{"RoleExpiry", testRoleExpiry},
		{"GrantNotBeyondOwnExpiry", testGrantNotBeyondOwnExpiry},
		{"AutomationToken", testAutomation},
		{"AutomationTokenRotation", testTokenRotation},
		{"CodeExpired", testCodeExpired},
		{"CodeReused", testCodeReused},
		{"CodeConcurrentRedemption", testConcurrentRedemption},
		{"CodeTypoCaughtLocally", testCodeTypo},
		{"CodeCannotGrantOtherRole", testCodeOtherRole},
		{"CodeSuperseded", testCodeSuperseded},
		{"Recovery", testRecovery},
		{"RecoveryNotForTokens", testRecoveryNotForTokens},
		{"UsersLifecycle", testUsers},
		{"LastAdminKept", testLastAdmin},
		{"TemporaryAdminKeepsPermanentOne", testTemporaryAdminKeepsPermanentOne},
		{"AuditLog", testAudit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock()
			env := newEnv(t, Config{Now: clock.Now, Params: CheapParams})
			tc.fn(&fixture{t: t, ctx: context.Background(), env: env, clock: clock, b: env.Backend})
		})
	}
}

// recorder is a Transport that lets a case see and alter the raw bytes.
type recorder struct {
	next     backend.Transport
	request  func([]byte) []byte // may rewrite the request
	answer   func([]byte) []byte // may rewrite the answer
	requests [][]byte
}

func (r *recorder) Exchange(ctx context.Context, req []byte) ([]byte, error) {
	if r.request != nil {
		req = r.request(req)
	}
	r.requests = append(r.requests, req)
	out, err := r.next.Exchange(ctx, req)
	if err == nil && r.answer != nil {
		out = r.answer(out)
	}
	return out, err
}
