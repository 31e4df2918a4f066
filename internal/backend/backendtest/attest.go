package backendtest

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/attestsim"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/installkey"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// attestCases are the cases of the token service: attestation, policy,
// device overrides and runtime secrets (issue 14).
var attestCases = []testCase{
	{"AttestRegistered", testAttestRegistered, ops(api.OpAttest)},
	{"AttestHostile", testAttestHostile, nil},
	{"AttestPolicy", testAttestPolicy, ops(api.OpPolicyShow, api.OpPolicySet)},
	{"AttestDevices", testAttestDevices, ops(api.OpDeviceAdd, api.OpDeviceList, api.OpDeviceRemove)},
	{"AttestPentest", testAttestPentest, nil},
	{"AttestSecStrings", testAttestSecStrings, ops(api.OpSecStringsAdd, api.OpSecStringsList, api.OpSecStringsRemove)},
	{"AttestAutoRegisterAndExpiry", testAttestAutoRegExpiry, nil},
}

// app installs a simulated app of m on the fixture's clock.
func (f *fixture) app(m api.Measurement, keyType string) *attestsim.App {
	f.t.Helper()
	a, err := attestsim.New(f.account(), m, keyType)
	must(f.t, err)
	a.Now = f.clock.Now
	return a
}

func (f *fixture) attest(a *attestsim.App) api.Attestation {
	f.t.Helper()
	out, err := a.Attest(f.ctx, f.b)
	must(f.t, err)
	return out
}

// tokenValid checks a token as a backend would: a few lines with a JWT
// library, the algorithm pinned, the signature and expiry checked.
func (f *fixture) tokenValid(admin backend.Caller, token string) (jwt.MapClaims, bool) {
	f.t.Helper()
	secret, err := backend.Call(f.ctx, f.b, api.OpSecretGet, admin, api.Empty{})
	must(f.t, err)
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return secret.Secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(f.clock.Now))
	rep, cerr := backend.Call(f.ctx, f.b, api.OpTokenCheck, admin, api.TokenCheckRequest{Token: token})
	must(f.t, cerr)
	if rep.Valid != (err == nil) {
		f.t.Fatalf("token.check says valid=%v, the JWT library %v", rep.Valid, err)
	}
	return claims, err == nil
}

func (f *fixture) lifetime(a api.Attestation) time.Duration { return a.ExpiresAt.Sub(f.clock.Now()) }

func testAttestRegistered(f *fixture) {
	_, admin := f.admin()
	m := measurement("com.example.app", someSigner, 1)
	f.addReg(admin, m, 0)
	for _, kt := range []string{installkey.Ed25519, installkey.P256} {
		a := f.app(m, kt)
		out := f.attest(a)
		claims, ok := f.tokenValid(admin, out.Token)
		if !ok || claims["did"] != a.ID() || claims["ip"] == "" || claims["evi"] != "server" || len(out.Secrets) != 0 || len(out.Reasons) != 0 {
			f.t.Fatalf("%s: registered build: valid %v, claims %v, answer %+v", kt, ok, claims, out)
		}
		if d := f.lifetime(out); d != 5*time.Minute+10*time.Second {
			f.t.Fatalf("%s: lifetime %s, want 5m10s", kt, d)
		}
	}
	other := f.app(measurement("com.example.app", someSigner, 2), installkey.Ed25519)
	out := f.attest(other)
	claims, ok := f.tokenValid(admin, out.Token)
	if ok || claims["did"] != other.ID() || len(out.Reasons) != 0 || f.lifetime(out) != 5*time.Minute+10*time.Second {
		f.t.Fatalf("unregistered build: valid %v, answer %+v (reasons are off by default)", ok, out)
	}
}

// testAttestHostile: a bad signature, a replay, a stale report, a report
// for another account or another key are refused with one clear error.
func testAttestHostile(f *fixture) {
	m := measurement("com.example.app", someSigner, 1)
	a := f.app(m, installkey.Ed25519)
	req, err := a.Request()
	must(f.t, err)
	_, err = backend.Call(f.ctx, f.b, api.OpAttest, backend.Anonymous, req)
	must(f.t, err)
	_, err = backend.Call(f.ctx, f.b, api.OpAttest, backend.Anonymous, req)
	wantKind(f.t, err, fault.Auth, "the same report twice")
	bad := req
	bad.Signature = slices.Clone(req.Signature)
	bad.Signature[3] ^= 1
	_, err = backend.Call(f.ctx, f.b, api.OpAttest, backend.Anonymous, bad)
	wantKind(f.t, err, fault.Auth, "a flipped signature bit")
	b := f.app(m, installkey.P256)
	b.Now = func() time.Time { return f.clock.Now().Add(-6 * time.Minute) }
	_, err = b.Attest(f.ctx, f.b)
	wantKind(f.t, err, fault.Auth, "a report six minutes old")
	c := f.app(m, installkey.Ed25519)
	c.Account = "someone-else"
	_, err = c.Attest(f.ctx, f.b)
	wantKind(f.t, err, fault.Auth, "a report signed for another account")
	garbage := api.AttestRequest{Report: []byte(`{"x":1}`), KeyType: "rsa", PublicKey: []byte{1}, Signature: []byte{2}}
	_, err = backend.Call(f.ctx, f.b, api.OpAttest, backend.Anonymous, garbage)
	wantKind(f.t, err, fault.Invalid, "an unknown key type")
}

func (f *fixture) policy(admin backend.Caller) api.TokenPolicy {
	f.t.Helper()
	p, err := backend.Call(f.ctx, f.b, api.OpPolicyShow, admin, api.Empty{})
	must(f.t, err)
	return p
}

func (f *fixture) setPolicy(admin backend.Caller, mod func(*api.PolicySetRequest)) api.TokenPolicy {
	f.t.Helper()
	p := f.policy(admin)
	req := api.PolicySetRequest{BaseVersion: p.Version, Reject: p.Reject, Claims: p.Claims, Reasons: p.Reasons,
		Lifetime: p.Lifetime, Grace: p.Grace, RiskyLifetime: p.RiskyLifetime}
	mod(&req)
	out, err := backend.Call(f.ctx, f.b, api.OpPolicySet, admin, req)
	must(f.t, err)
	return out
}

func testAttestPolicy(f *fixture) {
	user, admin := f.admin()
	p := f.policy(admin)
	if p.Version != 0 || p.Preset != api.PresetDefault || p.Lifetime != 5*time.Minute || p.RiskyLifetime != 2*time.Minute || p.Reasons {
		f.t.Fatalf("a new account's policy = %+v", p)
	}
	m := measurement("com.example.app", someSigner, 1)
	f.addReg(admin, m, 0)
	rooted := f.app(m, installkey.Ed25519)
	rooted.Device.Rooted = true
	strict := f.setPolicy(admin, func(r *api.PolicySetRequest) {
		r.Reject, r.Reasons, r.Claims = api.Presets[api.PresetStrict], true, []string{"sub", "iss", "ipk"}
	})
	if strict.Version != 1 || strict.Preset != api.PresetStrict || strict.UpdatedBy != user || !slices.Equal(strict.Claims, []string{"iss", "sub", "ipk"}) {
		f.t.Fatalf("set strict = %+v", strict)
	}
	out := f.attest(rooted)
	if _, ok := f.tokenValid(admin, out.Token); ok || !slices.Equal(out.Reasons, []string{api.PropRooted}) {
		f.t.Fatalf("rooted under strict: %+v", out)
	}
	f.setPolicy(admin, func(r *api.PolicySetRequest) { r.Reject = api.Presets[api.PresetInitial] })
	out = f.attest(rooted)
	claims, ok := f.tokenValid(admin, out.Token)
	if !ok || f.lifetime(out) != 2*time.Minute || claims["sub"] != m.AppID || claims["iss"] != "approov:"+f.account() || claims["ipk"] != rooted.Key.Public().IPK() {
		f.t.Fatalf("rooted under initial: valid %v, lifetime %s, claims %v", ok, f.lifetime(out), claims)
	}
	_, err := backend.Call(f.ctx, f.b, api.OpPolicySet, admin, api.PolicySetRequest{BaseVersion: 1, Lifetime: 5 * time.Minute, RiskyLifetime: time.Minute})
	wantKind(f.t, err, fault.Conflict, "a policy change from a stale version")
	_, err = backend.Call(f.ctx, f.b, api.OpPolicySet, admin, api.PolicySetRequest{BaseVersion: 2, Reject: []string{"sunburn"}, Lifetime: 5 * time.Minute, RiskyLifetime: time.Minute})
	wantKind(f.t, err, fault.Usage, "an unknown property")
	_, err = backend.Call(f.ctx, f.b, api.OpPolicySet, admin, api.PolicySetRequest{BaseVersion: 2, Lifetime: 2 * time.Hour, RiskyLifetime: time.Minute})
	wantKind(f.t, err, fault.Usage, "a two-hour token")
	_, err = backend.Call(f.ctx, f.b, api.OpPolicyShow, f.mustLogin(user, role.Dev), api.Empty{})
	wantKind(f.t, err, fault.Permission, "a dev reading the policy")
	f.wantAudit(admin, "policy.set", "ok", 1, 2, "")
}

func (f *fixture) addDevice(who backend.Caller, req api.DeviceAddRequest) (api.Device, error) {
	return backend.Call(f.ctx, f.b, api.OpDeviceAdd, who, req)
}

func testAttestDevices(f *fixture) {
	user, admin := f.admin()
	dev := f.mustLogin(user, role.Dev)
	m := measurement("com.example.app", someSigner, 1)
	emu := f.app(m, installkey.Ed25519)
	emu.Device.Emulator = true
	if _, ok := f.tokenValid(admin, f.attest(emu).Token); ok {
		f.t.Fatal("an emulator with an unregistered build passed the default policy")
	}
	d, err := f.addDevice(dev, api.DeviceAddRequest{Latest: true, Mode: api.DeviceForcePass})
	must(f.t, err)
	f.clock.Advance(time.Second)
	out := f.attest(emu)
	if _, ok := f.tokenValid(admin, out.Token); !ok || f.lifetime(out) != 5*time.Minute+10*time.Second {
		f.t.Fatalf("a force-pass emulator: %+v", out)
	}
	list, err := backend.Call(f.ctx, f.b, api.OpDeviceList, dev, api.Empty{})
	must(f.t, err)
	if len(list) != 1 || list[0].ID != d.ID || len(d.ID) != 12 || strings.Contains(emu.ID(), d.ID) || list[0].Mode != api.DeviceForcePass {
		f.t.Fatalf("list = %+v (added %+v)", list, d)
	}
	_, err = f.addDevice(admin, api.DeviceAddRequest{ID: emu.ID(), Mode: api.DeviceForceFail, ExpireAfter: time.Hour})
	must(f.t, err)
	f.addReg(admin, m, 0)
	if _, ok := f.tokenValid(admin, f.attest(emu).Token); ok {
		f.t.Fatal("a force-fail device passed")
	}
	f.clock.Advance(61 * time.Minute)
	admin, dev = f.mustLogin(user, role.Admin), f.mustLogin(user, role.Dev)
	emu.Device.Emulator = false
	if _, ok := f.tokenValid(admin, f.attest(emu).Token); !ok {
		f.t.Fatal("an expired force-fail still failed a clean registered device")
	}
	_, err = f.addDevice(dev, api.DeviceAddRequest{ID: emu.ID(), Mode: api.DevicePentest, ExpireAfter: time.Hour})
	wantKind(f.t, err, fault.Permission, "a dev marking a pentest device")
	_, err = f.addDevice(admin, api.DeviceAddRequest{ID: emu.ID(), Mode: api.DevicePentest})
	wantKind(f.t, err, fault.Usage, "a pentest device without expiry")
	_, err = f.addDevice(admin, api.DeviceAddRequest{ID: "short", Mode: api.DeviceForcePass})
	wantKind(f.t, err, fault.Usage, "a malformed installation id")
	removed, err := backend.Call(f.ctx, f.b, api.OpDeviceRemove, dev, api.DeviceRemoveRequest{ID: emu.ID()})
	must(f.t, err)
	if removed.ID != d.ID {
		f.t.Fatalf("removing by installation id answered %+v, want the short id %s", removed, d.ID)
	}
	_, err = backend.Call(f.ctx, f.b, api.OpDeviceRemove, dev, api.DeviceRemoveRequest{ID: d.ID})
	wantKind(f.t, err, fault.Invalid, "removing twice")
}

func testAttestPentest(f *fixture) {
	_, admin := f.admin()
	_, err := f.push(admin, api.PinPushRequest{BaseVersion: 0, Set: f.live.set(f.live.leaf, f.live.next)})
	must(f.t, err)
	cfg, err := backend.Call(f.ctx, f.b, api.OpSDKConfig, admin, api.SDKConfigRequest{})
	must(f.t, err)
	pub, err := sdkconfig.ParsePublicKey([]byte(cfg.PublicKey))
	must(f.t, err)
	m := measurement("com.example.app", someSigner, 1)
	f.addReg(admin, m, 0)
	a, plain := f.app(m, installkey.P256), f.app(m, installkey.Ed25519)
	if out := f.attest(plain); !out.ConfigChanged || out.ConfigVersion != 1 || out.Config != "" {
		f.t.Fatalf("an app holding no configuration: %+v", out)
	}
	if out := f.attest(plain); out.ConfigChanged {
		f.t.Fatalf("an app holding the latest configuration: %+v", out)
	}
	_, err = f.addDevice(admin, api.DeviceAddRequest{ID: a.ID(), Mode: api.DevicePentest, ExpireAfter: 24 * time.Hour})
	must(f.t, err)
	out := f.attest(a)
	c, err := sdkconfig.Verify(out.Config, pub, sdkconfig.VerifyOptions{Account: f.account(), MinVersion: 1})
	must(f.t, err)
	if !c.PinningDisabled || len(c.Domains) != 1 || c.Domains[0].Pinning || len(c.Domains[0].Pins) != 0 || !out.ConfigChanged {
		f.t.Fatalf("pentest configuration = %+v", c)
	}
	if _, ok := f.tokenValid(admin, out.Token); !ok {
		f.t.Fatal("a pentest device did not pass")
	}
}

func testAttestSecStrings(f *fixture) {
	user, admin := f.admin()
	add := func(name, value string) error {
		_, err := backend.Call(f.ctx, f.b, api.OpSecStringsAdd, admin, api.SecStringAddRequest{Name: name, Value: value})
		return err
	}
	must(f.t, add("api-key", "sekrit-value-1"))
	must(f.t, add("api-key", "sekrit-value-2"))
	for i := range 15 {
		must(f.t, add("k"+string(rune('a'+i)), "v"))
	}
	wantKind(f.t, add("one-too-many", "v"), fault.Invalid, "a 17th secret")
	wantKind(f.t, add("bad name", "v"), fault.Usage, "a name with a space")
	list, err := backend.Call(f.ctx, f.b, api.OpSecStringsList, admin, api.Empty{})
	must(f.t, err)
	if len(list) != 16 || list[0].Name != "api-key" || list[0].SetBy != user {
		f.t.Fatalf("list = %+v", list)
	}
	_, err = backend.Call(f.ctx, f.b, api.OpSecStringsList, f.mustLogin(user, role.Dev), api.Empty{})
	wantKind(f.t, err, fault.Permission, "a dev listing secrets")
	m := measurement("com.example.app", someSigner, 1)
	a := f.app(m, installkey.Ed25519)
	if out := f.attest(a); len(out.Secrets) != 0 {
		f.t.Fatalf("a failing app got %d secrets", len(out.Secrets))
	}
	f.addReg(admin, m, 0)
	if out := f.attest(a); out.Secrets["api-key"] != "sekrit-value-2" || len(out.Secrets) != 16 {
		f.t.Fatalf("a passing app got %d secrets", len(out.Secrets))
	}
	_, err = backend.Call(f.ctx, f.b, api.OpSecStringsRemove, admin, api.SecStringRemoveRequest{Name: "api-key"})
	must(f.t, err)
	events, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{})
	must(f.t, err)
	for _, e := range events {
		if strings.Contains(e.Target+e.Detail, "sekrit") {
			f.t.Fatalf("a secret value in the audit log: %+v", e)
		}
	}
	if count(events, "secstrings.add", "ok") != 17 || count(events, "secstrings.remove", "ok") != 1 {
		f.t.Fatalf("audit events: %d adds, %d removes", count(events, "secstrings.add", "ok"), count(events, "secstrings.remove", "ok"))
	}
}

// testAttestAutoRegExpiry: an auto-register certificate covers a build
// with no registration; an expired registration stops passing at expiry.
func testAttestAutoRegExpiry(f *fixture) {
	_, admin := f.admin()
	der := signingCert(f, "Example Release", "Example")
	sum := sha256.Sum256(der)
	_, err := f.addCert(admin, api.AddAppSignCertRequest{DER: der, AutoRegister: true})
	must(f.t, err)
	covered := f.app(measurement("com.example.new", hex.EncodeToString(sum[:]), 9), installkey.Ed25519)
	if _, ok := f.tokenValid(admin, f.attest(covered).Token); !ok {
		f.t.Fatal("a build covered by an auto-register certificate did not pass")
	}
	m := measurement("com.example.app", someSigner, 1)
	f.addReg(admin, m, 30*time.Minute)
	a := f.app(m, installkey.Ed25519)
	f.clock.Advance(30*time.Minute - time.Second)
	if _, ok := f.tokenValid(admin, f.attest(a).Token); !ok {
		f.t.Fatal("a registration one second before its expiry did not pass")
	}
	f.clock.Advance(time.Second)
	if _, ok := f.tokenValid(admin, f.attest(a).Token); ok {
		f.t.Fatal("a registration at its expiry still passed")
	}
}
