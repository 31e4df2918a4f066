package service

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/installkey"
)

func TestDecide(t *testing.T) {
	def, strict := defaultPolicy(), defaultPolicy()
	strict.Reject = api.Presets[api.PresetStrict]
	pass := &deviceRec{Mode: api.DeviceForcePass}
	pentest := &deviceRec{Mode: api.DevicePentest}
	fail := &deviceRec{Mode: api.DeviceForceFail}
	tests := []struct {
		name       string
		p          *policyRec
		registered bool
		props      []string
		dev        *deviceRec
		evFailed   bool
		want       verdict
	}{
		{"clean registered", def, true, nil, nil, false, verdict{outcome: outcomePass, valid: true}},
		{"unregistered", def, false, nil, nil, false, verdict{outcome: outcomeFail, reasons: []string{"unregistered"}}},
		{"rooted under default", def, true, []string{"rooted"}, nil, false, verdict{outcome: outcomeFail, reasons: []string{"rooted"}, short: true}},
		{"debugger under default: risky", def, true, []string{"debugger"}, nil, false, verdict{outcome: outcomeRisky, reasons: []string{"debugger"}, valid: true, short: true}},
		{"debugger under strict", strict, true, []string{"debugger"}, nil, false, verdict{outcome: outcomeFail, reasons: []string{"debugger"}, short: true}},
		{"every reason at once", strict, false, []string{"rooted", "emulator"}, nil, true, verdict{outcome: outcomeFail, reasons: []string{"unregistered", "evidence", "rooted", "emulator"}, short: true}},
		{"force-pass emulator, unregistered", strict, false, []string{"emulator"}, pass, false, verdict{outcome: outcomePass, valid: true}},
		{"pentest", def, false, nil, pentest, false, verdict{outcome: outcomePass, valid: true, pentest: true}},
		{"force-fail clean", def, true, nil, fail, false, verdict{outcome: outcomeFail, reasons: []string{"forced-fail"}}},
		{"force-fail rooted: risky lifetime", def, true, []string{"rooted"}, fail, false, verdict{outcome: outcomeFail, reasons: []string{"forced-fail"}, short: true}},
		{"pentest emulator: full lifetime", def, false, []string{"emulator"}, pentest, false, verdict{outcome: outcomePass, valid: true, pentest: true}},
		{"evidence failed", def, true, nil, nil, true, verdict{outcome: outcomeFail, reasons: []string{"evidence"}}},
	}
	for _, tt := range tests {
		got := decide(tt.p, tt.registered, tt.props, tt.dev, tt.evFailed)
		if got.outcome != tt.want.outcome || got.valid != tt.want.valid || got.pentest != tt.want.pentest || got.short != tt.want.short || !slices.Equal(got.reasons, tt.want.reasons) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestValidPolicy(t *testing.T) {
	ok := api.PolicySetRequest{Reject: []string{"emulator", "rooted", "rooted"}, Claims: []string{"ipk", "iss"},
		Lifetime: 5 * time.Minute, Grace: 10 * time.Second, RiskyLifetime: 2 * time.Minute}
	p, err := validPolicy(ok)
	if err != nil || !slices.Equal(p.Reject, []string{"rooted", "emulator"}) || !slices.Equal(p.Claims, []string{"iss", "ipk"}) {
		t.Fatalf("canonical form = %+v, %v", p, err)
	}
	for name, mod := range map[string]func(*api.PolicySetRequest){
		"unknown property":     func(r *api.PolicySetRequest) { r.Reject = []string{"cosmic-rays"} },
		"unknown claim":        func(r *api.PolicySetRequest) { r.Claims = []string{"jti"} },
		"lifetime too short":   func(r *api.PolicySetRequest) { r.Lifetime = 59 * time.Second },
		"lifetime too long":    func(r *api.PolicySetRequest) { r.Lifetime = 61 * time.Minute },
		"negative grace":       func(r *api.PolicySetRequest) { r.Grace = -time.Second },
		"risky over lifetime":  func(r *api.PolicySetRequest) { r.RiskyLifetime = 6 * time.Minute },
		"risky under a minute": func(r *api.PolicySetRequest) { r.RiskyLifetime = 29 * time.Second },
	} {
		req := ok
		mod(&req)
		if _, err := validPolicy(req); fault.KindOf(err) != fault.Usage {
			t.Errorf("%s: %v, want a usage error", name, err)
		}
	}
}

// signed is a request of a fresh key over report r (Installation filled in).
func signed(t testing.TB, account string, r api.AttestReport, typ string) api.AttestRequest {
	k, err := installkey.Generate(typ)
	if err != nil {
		t.Fatal(err)
	}
	r.Installation = k.Public().ID()
	raw, _ := json.Marshal(r)
	sig, _ := k.Sign(api.AttestSigningInput(account, raw))
	return api.AttestRequest{Report: raw, KeyType: typ, PublicKey: k.PublicBytes(), Signature: sig}
}

func goodReport(now time.Time) api.AttestReport {
	return api.AttestReport{Account: "acme", Measurement: goodMeasurement(), Created: now.Unix(), Nonce: auth.NewNonce()}
}

func TestParseAttest(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if _, err := parseAttest("acme", signed(t, "acme", goodReport(now), installkey.P256), now); err != nil {
		t.Fatalf("a good report: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*api.AttestReport)
		kind fault.Kind
	}{
		{"another account", func(r *api.AttestReport) { r.Account = "other" }, fault.Invalid},
		{"six minutes old", func(r *api.AttestReport) { r.Created = now.Add(-6 * time.Minute).Unix() }, fault.Auth},
		{"from the future", func(r *api.AttestReport) { r.Created = now.Add(6 * time.Minute).Unix() }, fault.Auth},
		{"short nonce", func(r *api.AttestReport) { r.Nonce = "abc" }, fault.Invalid},
		{"nonce with a slash", func(r *api.AttestReport) { r.Nonce = strings.Repeat("a/", 10) }, fault.Invalid},
		{"control in instrumentation", func(r *api.AttestReport) { r.Device.Instrumentation = "frida\n" }, fault.Invalid},
		{"domain with a space", func(r *api.AttestReport) { r.Domain = "api example.com" }, fault.Invalid},
		{"five evidence items", func(r *api.AttestReport) { r.Evidence = make([]api.Evidence, 5) }, fault.Invalid},
		{"bad measurement", func(r *api.AttestReport) { r.Measurement.AppID = "" }, fault.Invalid},
	}
	for _, tt := range tests {
		r := goodReport(now)
		tt.mod(&r)
		_, err := parseAttest("acme", signed(t, "acme", r, installkey.Ed25519), now)
		if fault.KindOf(err) != tt.kind || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line of kind %v", tt.name, err, tt.kind)
		}
	}
	req := signed(t, "acme", goodReport(now), installkey.Ed25519)
	other := signed(t, "acme", goodReport(now), installkey.Ed25519)
	req.PublicKey = other.PublicKey // a signature by another key
	if _, err := parseAttest("acme", req, now); fault.KindOf(err) != fault.Auth {
		t.Errorf("another key's signature: %v", err)
	}
	req = signed(t, "acme", goodReport(now), installkey.Ed25519)
	req.Report = append(req.Report, []byte(` {}`)...)
	if _, err := parseAttest("acme", req, now); err == nil {
		t.Error("trailing data after the report was accepted unsigned")
	}
}

// FuzzParseAttest: no input panics, and whatever is accepted was signed by
// the key in the request and is for the account.
func FuzzParseAttest(f *testing.F) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	good := signed(f, "acme", goodReport(now), installkey.Ed25519)
	f.Add(good.Report, good.KeyType, good.PublicKey, good.Signature)
	f.Add([]byte(`{"account":"acme"}`), "p256", make([]byte, 65), make([]byte, 72))
	f.Fuzz(func(t *testing.T, report []byte, typ string, pub, sig []byte) {
		in, err := parseAttest("acme", api.AttestRequest{Report: report, KeyType: typ, PublicKey: pub, Signature: sig}, now)
		if err == nil && (in.report.Account != "acme" || in.report.Installation != in.key.ID()) {
			t.Fatalf("accepted %+v", in.report)
		}
	})
}

// verifierFunc is an EvidenceVerifier for tests.
type verifierFunc struct {
	typ string
	fn  func(EvidenceInput) error
}

func (v verifierFunc) Type() string { return v.typ }
func (v verifierFunc) Verify(_ context.Context, in EvidenceInput) error {
	return v.fn(in)
}

func TestCheckEvidence(t *testing.T) {
	s := New(nil, Options{Evidence: []EvidenceVerifier{
		verifierFunc{"test-integrity", func(in EvidenceInput) error {
			if string(in.Data) != "good:"+in.Report.Nonce || len(in.InstallKeySPKI) == 0 {
				return errors.New("bad verdict")
			}
			return nil
		}},
	}})
	r := goodReport(time.Now())
	for _, tt := range []struct {
		evidence []api.Evidence
		checked  string
		failed   bool
	}{
		{nil, "server", false},
		{[]api.Evidence{{Type: "unknown-kind", Data: []byte("x")}}, "server", false},
		{[]api.Evidence{{Type: "test-integrity", Data: []byte("good:" + r.Nonce)}}, "server+test-integrity", false},
		{[]api.Evidence{{Type: "test-integrity", Data: []byte("replayed")}}, "server+test-integrity", true},
	} {
		r.Evidence = tt.evidence
		checked, failed := s.checkEvidence(context.Background(), "acme", r, []byte{1})
		if checked != tt.checked || failed != tt.failed {
			t.Errorf("%v: checked %q failed %v, want %q %v", tt.evidence, checked, failed, tt.checked, tt.failed)
		}
	}
}
