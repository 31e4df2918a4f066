package attestsim_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/attestsim"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/installkey"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/service"
)

// rig is an account on a running approovd (loopback TLS) and its admin.
type rig struct {
	ctx     context.Context
	b       backend.Backend
	admin   backend.Caller
	account string
}

func newRig(t *testing.T) *rig {
	opts := service.Options{Params: backendtest.CheapParams}
	inst := servertest.Start(t, servertest.Options{Service: opts})
	created := inst.Account(t, opts, "acme")
	b, err := remote.Open(created.Account, created.Fingerprint, remote.Options{URLs: []string{inst.Location()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{ctx: context.Background(), b: b, admin: servertest.Onboard(t, b, created.Invitation.Code), account: created.Account}
}

func (r *rig) secret(t *testing.T) []byte {
	s, err := backend.Call(r.ctx, r.b, api.OpSecretGet, r.admin, api.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Secret
}

// backendAccepts is the check an API backend's developer writes: parse
// with the account secret, pin HS256, require exp.
func backendAccepts(token string, secret []byte) bool {
	_, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	return err == nil
}

func (r *rig) serviceAccepts(t *testing.T, token string) bool {
	rep, err := backend.Call(r.ctx, r.b, api.OpTokenCheck, r.admin, api.TokenCheckRequest{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return rep.Valid
}

func measure(t *testing.T, path string) api.Measurement {
	m, err := attestsim.Measure(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRealBuildsThroughApproovd: builds measured from real files pass once
// registered, through approovd, as a backend and token check see them.
func TestRealBuildsThroughApproovd(t *testing.T) {
	r := newRig(t)
	secret := r.secret(t)
	for _, file := range []string{"android/v2-only.apk", "android/bundle.aab", "ios/adhoc.ipa"} {
		m := measure(t, "../../testdata/apps/"+file)
		app, err := attestsim.New(r.account, m, installkey.P256)
		if err != nil {
			t.Fatal(err)
		}
		out, err := app.Attest(r.ctx, r.b)
		if err != nil {
			t.Fatal(err)
		}
		if backendAccepts(out.Token, secret) || r.serviceAccepts(t, out.Token) {
			t.Fatalf("%s: unregistered, its token was accepted", file)
		}
		if _, err := backend.Call(r.ctx, r.b, api.OpRegistrationAdd, r.admin, api.AddRegistrationRequest{Measurement: m}); err != nil {
			t.Fatal(err)
		}
		out, err = app.Attest(r.ctx, r.b)
		if err != nil {
			t.Fatal(err)
		}
		if !backendAccepts(out.Token, secret) || !r.serviceAccepts(t, out.Token) {
			t.Fatalf("%s: registered, its token was refused", file)
		}
		if c := claims(t, out.Token); c["ip"] != "127.0.0.1" || c["did"] != app.ID() {
			t.Fatalf("%s: claims %v: want the peer address and the installation id", file, c)
		}
	}
}

func claims(t *testing.T, token string) map[string]any {
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFailingTokensLookLikePassingOnes: over many installations, the
// tokens of a failing and of a passing app have the same header, the same
// claim names, the same lifetime and the same length distribution; only
// the key differs. Failing by build (unregistered) and by policy (a rooted
// device under strict, against the same under a policy allowing root).
func TestFailingTokensLookLikePassingOnes(t *testing.T) {
	r := newRig(t)
	secret := r.secret(t)
	good := measure(t, "../../testdata/apps/android/v2-only.apk")
	if _, err := backend.Call(r.ctx, r.b, api.OpRegistrationAdd, r.admin, api.AddRegistrationRequest{Measurement: good}); err != nil {
		t.Fatal(err)
	}
	bad := measure(t, "../../testdata/apps/android/v2-ec.apk")
	const n = 150
	clean := api.DeviceProperties{}
	sameShape(t, "unregistered", secret, shapes(t, r, good, clean, n), shapes(t, r, bad, clean, n))
	rooted := api.DeviceProperties{Rooted: true}
	r.setReject(t, api.Properties...)
	fail := shapes(t, r, good, rooted, n/3)
	r.setReject(t, api.PropInstrumentation)
	sameShape(t, "rooted under strict", secret, shapes(t, r, good, rooted, n/3), fail)
}

func sameShape(t *testing.T, what string, secret []byte, pass, fail []shape) {
	t.Helper()
	for i := range pass {
		if !backendAccepts(pass[i].token, secret) || backendAccepts(fail[i].token, secret) {
			t.Fatalf("%s: token %d: passing accepted %v, failing accepted %v", what, i, backendAccepts(pass[i].token, secret), backendAccepts(fail[i].token, secret))
		}
	}
	if !slices.Equal(headers(pass), headers(fail)) || !slices.Equal(names(pass), names(fail)) || !slices.Equal(lifetimes(pass), lifetimes(fail)) {
		t.Fatalf("%s: headers, claim names or lifetimes differ: %v / %v, %v / %v, %v / %v", what, headers(pass), headers(fail),
			names(pass), names(fail), lifetimes(pass), lifetimes(fail))
	}
	if d := ksDistance(lengths(pass), lengths(fail)); d > 0.2 {
		t.Fatalf("%s: length distributions differ: Kolmogorov-Smirnov distance %.2f over %d tokens each", what, d, len(pass))
	}
}

// setReject sets the policy's rejected properties, keeping the rest.
func (r *rig) setReject(t *testing.T, reject ...string) {
	p, err := backend.Call(r.ctx, r.b, api.OpPolicyShow, r.admin, api.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	req := api.PolicySetRequest{BaseVersion: p.Version, Reject: reject, Claims: p.Claims, Reasons: p.Reasons,
		Lifetime: p.Lifetime, Grace: p.Grace, RiskyLifetime: p.RiskyLifetime}
	if _, err := backend.Call(r.ctx, r.b, api.OpPolicySet, r.admin, req); err != nil {
		t.Fatal(err)
	}
}

type shape struct {
	token, header, names, lifetime string
}

func shapes(t *testing.T, r *rig, m api.Measurement, d api.DeviceProperties, n int) []shape {
	out := make([]shape, n)
	for i := range out {
		kt := []string{installkey.Ed25519, installkey.P256}[i%2]
		app, err := attestsim.New(r.account, m, kt)
		if err != nil {
			t.Fatal(err)
		}
		app.Device = d
		a, err := app.Attest(r.ctx, r.b)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := base64.RawURLEncoding.DecodeString(strings.Split(a.Token, ".")[0])
		keys := []string{}
		for k := range claims(t, a.Token) {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		// The lifetime to the nearest 10 s: the answer took well under 5.
		life := time.Until(a.ExpiresAt).Round(10 * time.Second).String()
		out[i] = shape{token: a.Token, header: string(h), names: strings.Join(keys, ","), lifetime: life}
	}
	return out
}

func headers(s []shape) []string { return collect(s, func(x shape) string { return x.header }) }
func names(s []shape) []string   { return collect(s, func(x shape) string { return x.names }) }
func lifetimes(s []shape) []string {
	return collect(s, func(x shape) string { return x.lifetime })
}

func collect(s []shape, f func(shape) string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = f(x)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func lengths(s []shape) []int {
	out := make([]int, len(s))
	for i, x := range s {
		out[i] = len(x.token)
	}
	slices.Sort(out)
	return out
}

// ksDistance is the two-sample Kolmogorov-Smirnov statistic of sorted a, b.
func ksDistance(a, b []int) float64 {
	var d float64
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		v := min(a[i], b[j])
		for i < len(a) && a[i] == v {
			i++
		}
		for j < len(b) && b[j] == v {
			j++
		}
		d = max(d, abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
