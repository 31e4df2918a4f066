package backendtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// registrationCases are the cases about registered builds and trusted
// app-signing certificates.
var registrationCases = []testCase{
	{"Registrations", testRegistrations, ops(api.OpRegistrationAdd, api.OpRegistrationList, api.OpRegistrationRemove)},
	{"RegistrationExpiry", testRegistrationExpiry, nil},
	{"RegistrationHostileMeasurement", testHostileMeasurement, nil},
	{"DelegateOwnRegistrations", testDelegateOwnRegistrations, nil},
	{"AppSignCerts", testAppSignCerts, ops(api.OpAppSignCertAdd, api.OpAppSignCertList, api.OpAppSignCertRemove)},
}

// measurement is a well-formed APK measurement for app id, signed by signer
// (a certificate SHA-256), with content digest n.
func measurement(app, signer string, n byte) api.Measurement {
	digest := strings.Repeat(hex.EncodeToString([]byte{n}), 32)
	return api.Measurement{Format: "apk", AppID: app, VersionCode: 7, Version: "1.7", Scheme: "v2",
		Signers: []string{signer}, Digests: []string{"CHUNKED_SHA256:" + digest}, FileSHA256: digest, FileName: app + ".apk"}
}

var someSigner = strings.Repeat("ab", 32)

func (f *fixture) addReg(who backend.Caller, m api.Measurement, after time.Duration) api.RegistrationAdded {
	f.t.Helper()
	out, err := backend.Call(f.ctx, f.b, api.OpRegistrationAdd, who, api.AddRegistrationRequest{Measurement: m, ExpireAfter: after})
	must(f.t, err)
	return out
}

func (f *fixture) listRegs(who backend.Caller, q api.ListRegistrationsRequest) []api.Registration {
	f.t.Helper()
	out, err := backend.Call(f.ctx, f.b, api.OpRegistrationList, who, q)
	must(f.t, err)
	return out
}

func (f *fixture) removeReg(who backend.Caller, q api.RemoveRegistrationRequest) ([]string, error) {
	out, err := backend.Call(f.ctx, f.b, api.OpRegistrationRemove, who, q)
	return out.Removed, err
}

func testRegistrations(f *fixture) {
	user, admin := f.admin()
	a := f.addReg(admin, measurement("com.example.a", someSigner, 1), 0)
	if a.Outcome != api.RegAdded || len(a.Registration.ID) != 16 || a.Registration.AddedBy != user || a.Registration.State != api.RegActive {
		f.t.Fatalf("first add = %+v", a)
	}
	again := f.addReg(admin, measurement("com.example.a", someSigner, 1), 0)
	if again.Outcome != api.RegExisting || again.Registration.ID != a.Registration.ID {
		f.t.Fatalf("duplicate = %+v, want %q of %s", again, api.RegExisting, a.Registration.ID)
	}
	upd := f.addReg(admin, measurement("com.example.a", someSigner, 1), 48*time.Hour)
	if upd.Outcome != api.RegUpdated || upd.Registration.ExpiresAt.IsZero() {
		f.t.Fatalf("new expiry = %+v", upd)
	}
	b := f.addReg(admin, measurement("com.example.b", someSigner, 2), 0)
	if all := f.listRegs(admin, api.ListRegistrationsRequest{}); len(all) != 2 {
		f.t.Fatalf("list = %+v, want 2 (the duplicate not doubled)", all)
	}
	only := f.listRegs(admin, api.ListRegistrationsRequest{Package: "com.example.b"})
	if len(only) != 1 || only[0].ID != b.Registration.ID {
		f.t.Fatalf("list --package = %+v", only)
	}
	removed, err := f.removeReg(admin, api.RemoveRegistrationRequest{ID: a.Registration.ID})
	must(f.t, err)
	if !slices.Equal(removed, []string{a.Registration.ID}) {
		f.t.Fatalf("removed %v", removed)
	}
	_, err = f.removeReg(admin, api.RemoveRegistrationRequest{ID: a.Registration.ID})
	wantKind(f.t, err, fault.Invalid, "removing twice")
	_, err = f.removeReg(admin, api.RemoveRegistrationRequest{})
	wantKind(f.t, err, fault.Usage, "remove without id or expired")
}

// testRegistrationExpiry: an expired registration stops counting at its
// expiry by the clock alone, is listed as such, and can be renewed or removed.
func testRegistrationExpiry(f *fixture) {
	user, admin := f.admin()
	short := f.addReg(admin, measurement("com.example.a", someSigner, 1), 30*time.Minute)
	f.addReg(admin, measurement("com.example.b", someSigner, 2), 0)
	f.clock.Advance(45 * time.Minute)
	exp := f.listRegs(admin, api.ListRegistrationsRequest{Expired: true})
	if len(exp) != 1 || exp[0].ID != short.Registration.ID || exp[0].State != api.RegExpired {
		f.t.Fatalf("expired list = %+v", exp)
	}
	if r := f.addReg(admin, measurement("com.example.a", someSigner, 1), time.Hour); r.Outcome != api.RegRenewed || r.Registration.State != api.RegActive {
		f.t.Fatalf("re-adding an expired one = %+v, want renewed", r)
	}
	f.clock.Advance(2 * time.Hour)
	admin = f.mustLogin(user, role.Admin) // the session expired too
	removed, err := f.removeReg(admin, api.RemoveRegistrationRequest{Expired: true})
	must(f.t, err)
	if !slices.Equal(removed, []string{short.Registration.ID}) {
		f.t.Fatalf("remove --expired removed %v", removed)
	}
	if left := f.listRegs(admin, api.ListRegistrationsRequest{}); len(left) != 1 || left[0].Measurement.AppID != "com.example.b" {
		f.t.Fatalf("left = %+v", left)
	}
}

// testHostileMeasurement: every field of a sent measurement is checked.
func testHostileMeasurement(f *fixture) {
	_, admin := f.admin()
	for name, bad := range map[string]func(*api.Measurement){
		"unknown format":    func(m *api.Measurement) { m.Format = "exe" },
		"empty app id":      func(m *api.Measurement) { m.AppID = "" },
		"long app id":       func(m *api.Measurement) { m.AppID = strings.Repeat("a", 256) },
		"control in app id": func(m *api.Measurement) { m.AppID = "com.\x1b[2J" },
		"upper-case hex":    func(m *api.Measurement) { m.Signers = []string{strings.ToUpper(someSigner)} },
		"short signer":      func(m *api.Measurement) { m.Signers = []string{"abcd"} },
		"no signer":         func(m *api.Measurement) { m.Signers = nil },
		"too many signers": func(m *api.Measurement) {
			for i := range 17 {
				m.Signers = append(m.Signers, strings.Repeat(hex.EncodeToString([]byte{byte(i)}), 32))
			}
		},
		"repeated signer":    func(m *api.Measurement) { m.Signers = []string{someSigner, someSigner} },
		"digest without alg": func(m *api.Measurement) { m.Digests = []string{someSigner} },
		"no digest":          func(m *api.Measurement) { m.Digests = nil },
		"bad scheme":         func(m *api.Measurement) { m.Scheme = "v9" },
		"iOS build on APK":   func(m *api.Measurement) { m.Build = "12" },
		"path as file name":  func(m *api.Measurement) { m.FileName = "../etc/passwd" },
		"bad file sha256":    func(m *api.Measurement) { m.FileSHA256 = "zz" },
		"version control":    func(m *api.Measurement) { m.Version = "1\n2" },
	} {
		m := measurement("com.example.a", someSigner, 1)
		bad(&m)
		_, err := backend.Call(f.ctx, f.b, api.OpRegistrationAdd, admin, api.AddRegistrationRequest{Measurement: m})
		wantKind(f.t, err, fault.Invalid, name)
	}
	if regs := f.listRegs(admin, api.ListRegistrationsRequest{}); len(regs) != 0 {
		f.t.Fatalf("a refused measurement was registered: %+v", regs)
	}
}

// testDelegateOwnRegistrations: a delegate sees, adds and removes only its own.
func testDelegateOwnRegistrations(f *fixture) {
	user, admin := f.admin()
	theirs := f.addReg(admin, measurement("com.example.admin", someSigner, 1), 0)
	f.invite(admin, "vendor@example.com", role.Delegate)
	del := f.mustLogin("vendor@example.com", role.Delegate)
	if regs := f.listRegs(del, api.ListRegistrationsRequest{}); len(regs) != 0 {
		f.t.Fatalf("a delegate sees another's registrations: %+v", regs)
	}
	mine := f.addReg(del, measurement("com.example.vendor", someSigner, 2), 0)
	_, err := f.removeReg(del, api.RemoveRegistrationRequest{ID: theirs.Registration.ID})
	wantKind(f.t, err, fault.Invalid, "a delegate removing another's registration")
	dup := f.addReg(del, measurement("com.example.admin", someSigner, 1), time.Minute)
	if dup.Outcome != api.RegExisting || dup.Registration.AddedBy == user {
		f.t.Fatalf("a delegate's duplicate of another's = %+v: want it unchanged and its owner hidden", dup)
	}
	f.addReg(admin, measurement("com.example.admin2", someSigner, 3), 0)
	_, err = f.removeReg(del, api.RemoveRegistrationRequest{Expired: true})
	must(f.t, err)
	regs := f.listRegs(del, api.ListRegistrationsRequest{})
	if len(regs) != 1 || regs[0].ID != mine.Registration.ID {
		f.t.Fatalf("delegate's list = %+v, want only its own", regs)
	}
	all := f.listRegs(admin, api.ListRegistrationsRequest{})
	if len(all) != 3 || !all[0].ExpiresAt.IsZero() {
		f.t.Fatalf("admin's list = %+v, want all three, the admin's unchanged", all)
	}
}

// signingCert makes a self-signed certificate named cn, of organisation org.
func signingCert(f *fixture, cn, org string) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(f.t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn, Organization: []string{org}},
		NotBefore: f.clock.Now().Add(-time.Hour), NotAfter: f.clock.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(f.t, err)
	return der
}

func (f *fixture) addCert(who backend.Caller, req api.AddAppSignCertRequest) (api.AppSignCert, error) {
	return backend.Call(f.ctx, f.b, api.OpAppSignCertAdd, who, req)
}

func testAppSignCerts(f *fixture) {
	user, admin := f.admin()
	der := signingCert(f, "Example Release", "Example")
	sum := sha256.Sum256(der)
	digest := hex.EncodeToString(sum[:])
	c, err := f.addCert(admin, api.AddAppSignCertRequest{DER: der})
	must(f.t, err)
	if c.SHA256 != digest || c.ID != digest[:16] || c.Name != "Example Release" || c.Platform != "android" || c.AutoRegister || c.AddedBy != user {
		f.t.Fatalf("added = %+v", c)
	}
	covered := f.addReg(admin, measurement("com.example.a", digest, 1), 0)
	if covered.CoveredBy != "" {
		f.t.Fatalf("covered by a certificate without auto-register: %+v", covered)
	}
	c, err = f.addCert(admin, api.AddAppSignCertRequest{DER: der, AutoRegister: true})
	must(f.t, err)
	if !c.AutoRegister {
		f.t.Fatalf("adding again did not update auto-register: %+v", c)
	}
	covered = f.addReg(admin, measurement("com.example.b", digest, 2), 0)
	if !strings.Contains(covered.CoveredBy, c.ID) || covered.Outcome != api.RegAdded {
		f.t.Fatalf("add of a covered build = %+v, want it registered and covered_by %s", covered, c.ID)
	}
	_, err = f.addCert(admin, api.AddAppSignCertRequest{DER: signingCert(f, "Android Debug", "Android")})
	wantKind(f.t, err, fault.Invalid, "a debug certificate without development")
	_, err = f.addCert(admin, api.AddAppSignCertRequest{DER: []byte("not a certificate")})
	wantKind(f.t, err, fault.Invalid, "garbage DER")
	list, err := backend.Call(f.ctx, f.b, api.OpAppSignCertList, admin, api.Empty{})
	must(f.t, err)
	if len(list) != 1 || list[0].ID != c.ID || !list[0].AutoRegister {
		f.t.Fatalf("list = %+v", list)
	}
	_, err = backend.Call(f.ctx, f.b, api.OpAppSignCertRemove, admin, api.RemoveAppSignCertRequest{ID: c.SHA256})
	must(f.t, err)
	_, err = backend.Call(f.ctx, f.b, api.OpAppSignCertRemove, admin, api.RemoveAppSignCertRequest{ID: c.ID})
	wantKind(f.t, err, fault.Invalid, "removing twice")
}
