package backendtest

import (
	"context"
	"slices"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
)

// Run runs the conformance suite. newEnv must build a fresh account on the
// implementation under test, using cfg's clock and Argon2id parameters.
func Run(t *testing.T, newEnv func(t *testing.T, cfg Config) Env) {
	live := serveLive(t)
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock()
			env := newEnv(t, Config{Now: clock.Now, Params: CheapParams, Live: live.opts})
			tc.fn(&fixture{t: t, ctx: context.Background(), env: env, clock: clock, b: env.Backend, live: live})
		})
	}
}

// testCase is one case of the suite and the operations it is about: every
// operation of internal/api must be the subject of one (a test checks).
type testCase struct {
	name string
	fn   func(f *fixture)
	ops  []api.Operation
}

// cases lists every case; each file of the suite holds the cases of its
// subject, so adding one touches that file only.
func cases() []testCase {
	return slices.Concat(protocolCases, roleCases, onboardingCases, userCases, contractCases, registrationCases, tokenCases, pinCases, attestCases,
		monitoringCases, // continuous API monitoring (issue 13)
		metricsCases,    // attestation metrics
	)
}

// op is any typed operation of internal/api.
type op interface{ Op() api.Operation }

func ops(list ...op) []api.Operation {
	out := make([]api.Operation, len(list))
	for i, o := range list {
		out[i] = o.Op()
	}
	return out
}

// sent is one request as it went through a recorder.
type sent struct {
	op  api.Operation
	req auth.Request
}

// recorder is a Transport that lets a case see and alter the exchanges.
type recorder struct {
	next     backend.Transport
	request  func(*auth.Request)                 // may alter the request
	answer   func(*auth.Response) *auth.Response // may replace the answer
	requests []sent
}

func (r *recorder) Exchange(ctx context.Context, op api.Operation, req *auth.Request) (*auth.Response, error) {
	if r.request != nil {
		r.request(req)
	}
	r.requests = append(r.requests, sent{op, *req})
	out, err := r.next.Exchange(ctx, op, req)
	if err == nil && r.answer != nil {
		out = r.answer(out)
	}
	return out, err
}

// resend sends a recorded request again, as a replaying attacker would.
func (f *fixture) resend(s sent) *auth.Response {
	f.t.Helper()
	req := s.req
	resp, err := f.env.Transport.Exchange(f.ctx, s.op, &req)
	must(f.t, err)
	return resp
}
