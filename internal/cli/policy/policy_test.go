package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

var current = api.TokenPolicy{Version: 4, Preset: api.PresetDefault, Reject: api.Presets[api.PresetDefault], Claims: []string{"iss"},
	Lifetime: 5 * time.Minute, Grace: 10 * time.Second, RiskyLifetime: 2 * time.Minute}

// TestSetChangesOnlyTheFlagsGiven: the request is the current policy with
// the flags applied, based on the version read, or --base.
func TestSetChangesOnlyTheFlagsGiven(t *testing.T) {
	tests := []struct {
		args []string
		want func(*api.PolicySetRequest)
		kind fault.Kind
	}{
		{nil, func(*api.PolicySetRequest) {}, 0},
		{[]string{"--preset", "strict"}, func(r *api.PolicySetRequest) { r.Reject = api.Presets[api.PresetStrict] }, 0},
		{[]string{"--reject", "none", "--claims", "sub,ipk"}, func(r *api.PolicySetRequest) { r.Reject, r.Claims = []string{}, []string{"sub", "ipk"} }, 0},
		{[]string{"--reasons", "on", "--grace", "30s", "--base", "2"}, func(r *api.PolicySetRequest) { r.Reasons, r.Grace, r.BaseVersion = true, 30*time.Second, 2 }, 0},
		{[]string{"--risky-lifetime", "90s", "--lifetime", "10m"}, func(r *api.PolicySetRequest) { r.RiskyLifetime, r.Lifetime = 90*time.Second, 10*time.Minute }, 0},
		{[]string{"--preset", "lenient"}, nil, fault.Usage},
		{[]string{"--reject", "rooted,sunburn"}, nil, fault.Usage},
		{[]string{"--reasons", "yes"}, nil, fault.Usage},
		{[]string{"--lifetime", "soon"}, nil, fault.Usage},
		{[]string{"--preset", "strict", "--reject", "rooted"}, nil, fault.Usage},
	}
	for _, tt := range tests {
		fake := &backendtest.Fake{}
		backendtest.On(fake, api.OpPolicyShow, func(backend.Caller, api.Empty) (api.TokenPolicy, error) { return current, nil })
		var sent []api.PolicySetRequest
		backendtest.On(fake, api.OpPolicySet, func(_ backend.Caller, req api.PolicySetRequest) (api.TokenPolicy, error) {
			sent = append(sent, req)
			return api.TokenPolicy{Version: req.BaseVersion + 1, Reject: req.Reject, Claims: req.Claims}, nil
		})
		f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake, role.Admin)})
		err := clitest.Execute(NewCmdSet(f, nil), tt.args...)
		if tt.kind != 0 {
			if fault.KindOf(err) != tt.kind || len(sent) != 0 {
				t.Errorf("%v: %v (sent %d), want %s and nothing sent", tt.args, err, len(sent), tt.kind)
			}
			continue
		}
		want := api.PolicySetRequest{BaseVersion: 4, Reject: current.Reject, Claims: current.Claims,
			Lifetime: current.Lifetime, Grace: current.Grace, RiskyLifetime: current.RiskyLifetime}
		tt.want(&want)
		if err != nil || len(sent) != 1 || !equalRequest(sent[0], want) {
			t.Errorf("%v: %v, sent %+v, want %+v", tt.args, err, sent, want)
		}
		if !strings.Contains(s.ErrOut.String(), "Policy is now version") {
			t.Errorf("%v: stderr %q", tt.args, s.ErrOut)
		}
	}
}

func equalRequest(a, b api.PolicySetRequest) bool {
	return a.BaseVersion == b.BaseVersion && slices.Equal(a.Reject, b.Reject) && slices.Equal(a.Claims, b.Claims) &&
		a.Reasons == b.Reasons && a.Lifetime == b.Lifetime && a.Grace == b.Grace && a.RiskyLifetime == b.RiskyLifetime
}

func TestShowRendersRiskyProperties(t *testing.T) {
	fake := &backendtest.Fake{}
	backendtest.On(fake, api.OpPolicyShow, func(backend.Caller, api.Empty) (api.TokenPolicy, error) { return current, nil })
	f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake, role.Admin)})
	if err := clitest.Execute(NewCmdShow(f, nil)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"version         4", "risky           debugger", "claims          exp, ip, did, evi, iss", "reasons         off"} {
		if !strings.Contains(s.Out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, s.Out)
		}
	}
}
