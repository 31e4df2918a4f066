package backendtest

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// pinCases are the cases about the versioned pin configuration and the
// signed SDK configuration.
var pinCases = []testCase{
	{"PinPushLifecycle", testPinPush, ops(api.OpPinPull, api.OpPinPush, api.OpPinLog, api.OpPinShow)},
	{"PinPushInvariants", testPinInvariants, nil},
	{"PinPushRoles", testPinRoles, nil},
	{"SDKConfig", testSDKConfig, ops(api.OpSDKConfig)},
	{"APIDomains", testAPIDomains, ops(api.OpAPIAdd, api.OpAPIList, api.OpAPIRemove)},
}

// LiveDomain is the API domain the suite serves on a loopback TLS server.
const LiveDomain = "api.pins.test"

// liveServer is the suite's loopback API endpoint and what pins it.
type liveServer struct {
	opts pins.CheckOptions
	leaf pins.Pin // the key the server serves
	next pins.Pin // a key it does not serve: a backup
}

func serveLive(t *testing.T) *liveServer {
	ca := pinstest.NewCA(t, "backendtest root")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{LiveDomain}})
	addr := pinstest.ServeTLS(t, key, leaf)
	target, err := pins.ParseTarget(addr)
	must(t, err)
	next := pinstest.NewKey(t)
	nextCert, _ := ca.Leaf(t, pinstest.LeafOptions{Names: []string{LiveDomain}, PublicKey: next.Public()})
	return &liveServer{
		opts: pins.CheckOptions{Fetch: pins.FetchOptions{Roots: ca.Pool()}, ConnectTo: map[string]pins.Target{LiveDomain: target}},
		leaf: pins.Compute(leaf), next: pins.Compute(nextCert),
	}
}

// set is a pin set of LiveDomain with the given pins (the first primary,
// the others backups).
func (l *liveServer) set(ps ...pins.Pin) *pins.PinSet {
	d := pins.Domain{Name: LiveDomain}
	for i, p := range ps {
		label := pins.Backup
		if i == 0 {
			label = pins.Primary
		}
		d.Pins = append(d.Pins, pins.PinEntry{SHA256: p, Label: label, Type: pins.Leaf})
	}
	return &pins.PinSet{Schema: pins.SchemaVersion, Domains: []pins.Domain{d}}
}

func (f *fixture) push(who backend.Caller, req api.PinPushRequest) (api.PinPushResult, error) {
	return backend.Call(f.ctx, f.b, api.OpPinPush, who, req)
}

func (f *fixture) pull(who backend.Caller) api.PinConfig {
	f.t.Helper()
	cfg, err := backend.Call(f.ctx, f.b, api.OpPinPull, who, api.Empty{})
	must(f.t, err)
	return cfg
}

func testPinPush(f *fixture) {
	user, admin := f.admin()
	if cfg := f.pull(admin); cfg.Version != 0 || len(cfg.Set.Domains) != 0 {
		f.t.Fatalf("a new account's pin configuration = %+v, want version 0, empty", cfg)
	}
	want := f.live.set(f.live.leaf, f.live.next)
	res, err := f.push(admin, api.PinPushRequest{BaseVersion: 0, Set: want, Reason: "first"})
	must(f.t, err)
	if res.Version != 1 || res.Forced || len(res.Changes) == 0 {
		f.t.Fatalf("first push = %+v", res)
	}
	if cfg := f.pull(admin); cfg.Version != 1 || !stage.Equal(cfg.Set, want) {
		f.t.Fatalf("pulled after push = %+v", cfg)
	}
	_, err = f.push(admin, api.PinPushRequest{BaseVersion: 0, Set: f.live.set(f.live.leaf)})
	wantKind(f.t, err, fault.Conflict, "a push from an old base")
	shown, err := backend.Call(f.ctx, f.b, api.OpPinShow, admin, api.PinShowRequest{Version: 1})
	must(f.t, err)
	if !stage.Equal(shown.Set, want) {
		f.t.Fatalf("version 1 shown = %+v", shown)
	}
	_, err = backend.Call(f.ctx, f.b, api.OpPinShow, admin, api.PinShowRequest{Version: 9})
	wantKind(f.t, err, fault.Invalid, "showing a version that does not exist")
	log, err := backend.Call(f.ctx, f.b, api.OpPinLog, admin, api.PinLogRequest{})
	must(f.t, err)
	if len(log) != 1 || log[0].Version != 1 || log[0].User != user || log[0].Role != role.Admin || log[0].Reason != "first" {
		f.t.Fatalf("log = %+v", log)
	}
	f.wantAudit(admin, "pin.push", "ok", 0, 1, "first")
}

// wantAudit finds the last event of op with that outcome and checks its versions and reason.
func (f *fixture) wantAudit(admin backend.Caller, op, outcome string, from, to int64, reason string) {
	f.t.Helper()
	events, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{})
	must(f.t, err)
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Op == op && e.Outcome == outcome {
			if e.FromVersion != from || e.ToVersion != to || e.Reason != reason || e.Detail == "" {
				f.t.Fatalf("audit event %+v, want versions %d→%d, reason %q and a detail", e, from, to, reason)
			}
			return
		}
	}
	f.t.Fatalf("no audit event %s/%s in %+v", op, outcome, events)
}

func testPinInvariants(f *fixture) {
	_, admin := f.admin()
	wrong := f.live.set(f.live.next)
	_, err := f.push(admin, api.PinPushRequest{Set: wrong})
	wantKind(f.t, err, fault.Invalid, "a push no pin of which the live chain serves")
	if !strings.Contains(err.Error(), LiveDomain) {
		f.t.Fatalf("refusal does not name the domain: %v", err)
	}
	_, err = f.push(admin, api.PinPushRequest{Set: wrong, Force: true})
	wantKind(f.t, err, fault.Usage, "a forced push without a reason")
	res, err := f.push(admin, api.PinPushRequest{Set: wrong, Force: true, Reason: "server moves tonight"})
	must(f.t, err)
	if res.Version != 1 || !res.Forced || len(res.Overridden) == 0 {
		f.t.Fatalf("forced push = %+v", res)
	}
	f.wantAudit(admin, "pin.push", "ok", 0, 1, "server moves tonight")
	// The CLI saw another key than the service does: refused, both views named.
	view := stage.View{LiveDomain: {{Pin: f.live.next, Position: pins.Leaf, Name: LiveDomain}}}
	_, err = f.push(admin, api.PinPushRequest{BaseVersion: 1, Set: f.live.set(f.live.leaf, f.live.next), View: view})
	wantKind(f.t, err, fault.Invalid, "a push whose live view the service does not share")
	if !strings.Contains(err.Error(), "only the service: leaf "+f.live.leaf.String()) {
		f.t.Fatalf("refusal does not show the service's view: %v", err)
	}
	// Dropping the last backup is refused.
	_, err = f.push(admin, api.PinPushRequest{BaseVersion: 1, Set: f.live.set(f.live.leaf, f.live.next)})
	must(f.t, err)
	_, err = f.push(admin, api.PinPushRequest{BaseVersion: 2, Set: f.live.set(f.live.leaf)})
	wantKind(f.t, err, fault.Invalid, "a push removing the last backup pin")
}

func testPinRoles(f *fixture) {
	user, admin := f.admin()
	_, err := f.push(admin, api.PinPushRequest{Set: f.live.set(f.live.leaf, f.live.next)})
	must(f.t, err)
	dev := f.mustLogin(user, role.Dev)
	if cfg := f.pull(dev); cfg.Version != 1 {
		f.t.Fatalf("dev pulled %+v", cfg)
	}
	_, err = f.push(dev, api.PinPushRequest{BaseVersion: 1, Set: f.live.set(f.live.leaf)})
	wantKind(f.t, err, fault.Permission, "a dev pushing pins")
}

func testSDKConfig(f *fixture) {
	_, admin := f.admin()
	before, err := backend.Call(f.ctx, f.b, api.OpSDKConfig, admin, api.SDKConfigRequest{})
	must(f.t, err)
	if before.Version != 0 || before.Config != "" || before.PublicKey == "" {
		f.t.Fatalf("before any push: %+v", before)
	}
	pub, err := sdkconfig.ParsePublicKey([]byte(before.PublicKey))
	must(f.t, err)
	for v := uint64(1); v <= 2; v++ {
		set := f.live.set(f.live.leaf, f.live.next)
		if v == 2 {
			set.Domains[0].IncludeSubdomains = true
		}
		_, err := f.push(admin, api.PinPushRequest{BaseVersion: v - 1, Set: set})
		must(f.t, err)
	}
	latest, err := backend.Call(f.ctx, f.b, api.OpSDKConfig, admin, api.SDKConfigRequest{})
	must(f.t, err)
	c, err := sdkconfig.Verify(latest.Config, pub, sdkconfig.VerifyOptions{Account: f.account(), MinVersion: 2})
	must(f.t, err)
	if c.Version != 2 || len(c.Domains) != 1 || !c.Domains[0].IncludeSubdomains || len(c.Domains[0].Pins) != 2 {
		f.t.Fatalf("latest configuration = %+v", c)
	}
	first, err := backend.Call(f.ctx, f.b, api.OpSDKConfig, admin, api.SDKConfigRequest{Version: 1})
	must(f.t, err)
	if _, err := sdkconfig.Verify(first.Config, pub, sdkconfig.VerifyOptions{MinVersion: 2}); err == nil {
		f.t.Fatal("version 1 verified with --min-version 2")
	}
	_, err = backend.Call(f.ctx, f.b, api.OpSDKConfig, admin, api.SDKConfigRequest{Version: 3})
	wantKind(f.t, err, fault.Invalid, "the configuration of a version to come")
}

func testAPIDomains(f *fixture) {
	_, admin := f.admin()
	entry := func(p pins.Pin) []pins.PinEntry {
		return []pins.PinEntry{{SHA256: p, Label: pins.Primary, Type: pins.Leaf}}
	}
	add := func(req api.APIAddRequest) (api.PinPushResult, error) {
		return backend.Call(f.ctx, f.b, api.OpAPIAdd, admin, req)
	}
	_, err := add(api.APIAddRequest{Domain: LiveDomain, Pins: entry(f.live.next)})
	wantKind(f.t, err, fault.Invalid, "adding a domain with a pin its live chain does not serve")
	res, err := add(api.APIAddRequest{Domain: "API.pins.test", Pins: entry(f.live.leaf)})
	must(f.t, err)
	if res.Version != 1 {
		f.t.Fatalf("api.add = %+v", res)
	}
	_, err = add(api.APIAddRequest{Domain: LiveDomain, Pins: entry(f.live.leaf)})
	wantKind(f.t, err, fault.Conflict, "adding a domain twice")
	_, err = add(api.APIAddRequest{Domain: "tokens.pins.test", NoPins: true, NoToken: true})
	must(f.t, err)
	list, err := backend.Call(f.ctx, f.b, api.OpAPIList, admin, api.Empty{})
	must(f.t, err)
	if list.Version != 2 || len(list.Domains) != 2 || !list.Domains[0].Pinning || !list.Domains[0].Token || list.Domains[1].Pinning || list.Domains[1].Token {
		f.t.Fatalf("api.list = %+v", list)
	}
	cfg, err := backend.Call(f.ctx, f.b, api.OpSDKConfig, admin, api.SDKConfigRequest{})
	must(f.t, err)
	pub, err := sdkconfig.ParsePublicKey([]byte(cfg.PublicKey))
	must(f.t, err)
	c, err := sdkconfig.Verify(cfg.Config, pub, sdkconfig.VerifyOptions{})
	must(f.t, err)
	if len(c.Domains) != 2 || c.Domains[1].Name != "tokens.pins.test" || c.Domains[1].Pinning || c.Domains[1].Token {
		f.t.Fatalf("configuration domains = %+v", c.Domains)
	}
	_, err = backend.Call(f.ctx, f.b, api.OpAPIRemove, admin, api.APIRemoveRequest{Domain: LiveDomain})
	must(f.t, err)
	_, err = backend.Call(f.ctx, f.b, api.OpAPIRemove, admin, api.APIRemoveRequest{Domain: LiveDomain})
	wantKind(f.t, err, fault.Invalid, "removing a domain twice")
	if list, _ = backend.Call(f.ctx, f.b, api.OpAPIList, admin, api.Empty{}); list.Version != 3 || len(list.Domains) != 1 {
		f.t.Fatalf("after remove: %+v", list)
	}
}
