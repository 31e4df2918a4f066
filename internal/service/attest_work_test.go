package service_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/attestsim"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/installkey"
	"github.com/approov-cli/approov/internal/role"
)

// TestAttestWorkSameOnPassAndFail: for one installation of one build,
// an attestation that passes and one that fails cause the same store work
// (the same reads, writes and deletes, bucket by bucket, and scans handing
// over the same number of records) and get tokens with the same header and
// a byte-identical payload: only the signature's key differs. The outcome
// changes by what a failing app could learn from timing: its build being
// unregistered, or the policy rejecting a property it reports. The time
// itself is measured by docs/bench/attest.sh, never asserted here.
func TestAttestWorkSameOnPassAndFail(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	admin, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		t.Fatal(err)
	}
	// An auto-register certificate that covers other builds, and a
	// runtime secret: both are read whatever the outcome.
	if _, err := backend.Call(h.ctx, h.b, api.OpAppSignCertAdd, admin, api.AddAppSignCertRequest{DER: selfSigned(t), AutoRegister: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Call(h.ctx, h.b, api.OpSecStringsAdd, admin, api.SecStringAddRequest{Name: "maps-key", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	secret, err := backend.Call(h.ctx, h.b, api.OpSecretGet, admin, api.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	m := benchMeasurement()
	app, err := attestsim.New("acme", m, installkey.P256)
	if err != nil {
		t.Fatal(err)
	}
	app.Now = h.clock.Now
	// The first attestations make the installation's rows and the masking
	// keys, and cache the keys once read back: not compared.
	attestWork(t, h, app)
	attestWork(t, h, app)

	fail := attestWork(t, h, app)
	if _, err := backend.Call(h.ctx, h.b, api.OpRegistrationAdd, admin, api.AddRegistrationRequest{Measurement: m}); err != nil {
		t.Fatal(err)
	}
	pass := attestWork(t, h, app)
	sameWork(t, "unregistered / registered", fail, pass, secret.Secret)

	app.Device.Rooted = true
	setReject(t, h, admin, api.Properties...) // strict
	fail = attestWork(t, h, app)
	setReject(t, h, admin, api.PropInstrumentation) // initial: root allowed
	pass = attestWork(t, h, app)
	sameWork(t, "rooted under strict / under initial", fail, pass, secret.Secret)
}

// work is what one attestation did to the store and what it answered.
type work struct {
	trace []string
	ans   api.Attestation
}

func attestWork(t *testing.T, h *harness, app *attestsim.App) work {
	t.Helper()
	h.st.take()
	ans, err := app.Attest(h.ctx, h.b)
	if err != nil {
		t.Fatal(err)
	}
	return work{trace: h.st.take(), ans: ans}
}

func sameWork(t *testing.T, what string, fail, pass work, secret []byte) {
	t.Helper()
	if verifies(fail.ans.Token, secret) || !verifies(pass.ans.Token, secret) {
		t.Fatalf("%s: failing token verifies %v, passing token verifies %v", what, verifies(fail.ans.Token, secret), verifies(pass.ans.Token, secret))
	}
	if !slices.Equal(fail.trace, pass.trace) {
		t.Errorf("%s: the store work differs:\nfail %q\npass %q", what, fail.trace, pass.trace)
	}
	f, p := strings.Split(fail.ans.Token, "."), strings.Split(pass.ans.Token, ".")
	if f[0] != p[0] || f[1] != p[1] || len(f[2]) != len(p[2]) || !fail.ans.ExpiresAt.Equal(pass.ans.ExpiresAt) {
		t.Errorf("%s: the tokens differ beyond the signature:\nfail %s.%s (expires %s)\npass %s.%s (expires %s)",
			what, f[0], f[1], fail.ans.ExpiresAt, p[0], p[1], pass.ans.ExpiresAt)
	}
}

func verifies(token string, secret []byte) bool {
	_, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(func() time.Time {
			return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) // backendtest.NewClock's instant
		}))
	return err == nil
}

// setReject sets the policy's rejected properties, keeping its defaults.
func setReject(t testing.TB, h *harness, admin backend.Caller, reject ...string) {
	t.Helper()
	p, err := backend.Call(h.ctx, h.b, api.OpPolicyShow, admin, api.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	req := api.PolicySetRequest{BaseVersion: p.Version, Reject: reject, Claims: p.Claims, Reasons: p.Reasons,
		Lifetime: p.Lifetime, Grace: p.Grace, RiskyLifetime: p.RiskyLifetime}
	if _, err := backend.Call(h.ctx, h.b, api.OpPolicySet, admin, req); err != nil {
		t.Fatal(err)
	}
}

// selfSigned is a fresh certificate's DER: it signs no build.
func selfSigned(t testing.TB) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Other Team"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
