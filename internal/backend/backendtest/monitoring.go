package backendtest

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/role"
)

// monitoringCases are the cases about continuous API monitoring (issue 13).
var monitoringCases = []testCase{
	{"MonitoringSettings", testMonitoringSettings, ops(api.OpMonitoringStatus, api.OpMonitoringSet, api.OpMonitoringTest)},
	{"MonitoringRun", testMonitoringRun, ops(api.OpMonitoringRun, api.OpMonitoringHistory)},
	{"MonitoringPage", testMonitoringPage, ops(api.OpMonitoringPageEnable, api.OpMonitoringPageDisable)},
}

func testMonitoringSettings(f *fixture) {
	user, admin := f.admin()
	st, err := backend.Call(f.ctx, f.b, api.OpMonitoringStatus, admin, api.Empty{})
	must(f.t, err)
	if st.Settings.Interval != 15*time.Minute || len(st.Domains) != 0 || st.Settings.WebhookSecretSet {
		f.t.Fatalf("a new account's monitoring = %+v", st)
	}
	set := func(who backend.Caller, req api.MonitoringSetRequest) (api.MonitoringSettings, error) {
		return backend.Call(f.ctx, f.b, api.OpMonitoringSet, who, req)
	}
	_, err = set(f.mustLogin(user, role.Dev), api.MonitoringSetRequest{Interval: time.Hour})
	wantKind(f.t, err, fault.Permission, "dev changing the monitoring settings")
	_, err = set(admin, api.MonitoringSetRequest{Interval: 30 * time.Second})
	wantKind(f.t, err, fault.Usage, "an interval under a minute")
	hook, bad := "https://hooks.example.com/approov", "http://hooks.example.com/approov"
	_, err = set(admin, api.MonitoringSetRequest{Webhook: &bad, WebhookSecret: []byte("0123456789abcdef")})
	wantKind(f.t, err, fault.Usage, "a plain-http webhook off loopback")
	_, err = set(admin, api.MonitoringSetRequest{Webhook: &hook})
	wantKind(f.t, err, fault.Usage, "a webhook without its secret")
	_, err = set(admin, api.MonitoringSetRequest{Emails: &[]string{"Ops <ops@example.com>"}})
	wantKind(f.t, err, fault.Usage, "an email address with a display name")
	_, err = backend.Call(f.ctx, f.b, api.OpMonitoringTest, admin, api.Empty{})
	wantKind(f.t, err, fault.Invalid, "a test with nothing to notify")
	secret := []byte("monitoring-secret-0123456789")
	got, err := set(admin, api.MonitoringSetRequest{Interval: 5 * time.Minute, Emails: &[]string{"ops@example.com"}, Webhook: &hook, WebhookSecret: secret})
	must(f.t, err)
	if got.Interval != 5*time.Minute || len(got.Emails) != 1 || got.Webhook != hook || !got.WebhookSecretSet {
		f.t.Fatalf("settings = %+v", got)
	}
	st, err = backend.Call(f.ctx, f.b, api.OpMonitoringStatus, f.mustLogin(user, role.Dev), api.Empty{})
	must(f.t, err)
	events, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{Op: "monitoring"})
	must(f.t, err)
	raw, _ := json.Marshal([]any{st, events})
	if st.Settings.Webhook != hook || bytes.Contains(raw, secret) || count(events, "monitoring.set", "ok") != 1 {
		f.t.Fatalf("status %+v, audit %+v (secret shown: %v)", st, events, bytes.Contains(raw, secret))
	}
}

func testMonitoringRun(f *fixture) {
	user, admin := f.admin()
	_, err := backend.Call(f.ctx, f.b, api.OpAPIAdd, admin, api.APIAddRequest{Domain: LiveDomain,
		Pins: []pins.PinEntry{{SHA256: f.live.leaf, Label: pins.Primary, Type: pins.Leaf}}})
	must(f.t, err)
	run, err := backend.Call(f.ctx, f.b, api.OpMonitoringRun, f.mustLogin(user, role.Dev), api.Empty{})
	must(f.t, err)
	if len(run.Domains) != 1 || run.Domains[0].State != api.MonitorOK || len(run.Domains[0].Matched) != 1 ||
		run.Domains[0].Matched[0] != f.live.leaf.String() || run.Domains[0].NextCheck.IsZero() {
		f.t.Fatalf("monitoring.run = %+v", run)
	}
	h, err := backend.Call(f.ctx, f.b, api.OpMonitoringHistory, admin, api.MonitoringHistoryRequest{Domain: LiveDomain})
	must(f.t, err)
	if len(h) != 1 || h[0].Domain != LiveDomain || h[0].State != api.MonitorOK {
		f.t.Fatalf("monitoring.history = %+v", h)
	}
	h, err = backend.Call(f.ctx, f.b, api.OpMonitoringHistory, admin, api.MonitoringHistoryRequest{Since: f.clock.Now().Add(time.Hour)})
	must(f.t, err)
	if len(h) != 0 {
		f.t.Fatalf("history since an hour on = %+v", h)
	}
}

func testMonitoringPage(f *fixture) {
	user, admin := f.admin()
	_, err := backend.Call(f.ctx, f.b, api.OpMonitoringPageEnable, f.mustLogin(user, role.Dev), api.Empty{})
	wantKind(f.t, err, fault.Permission, "dev enabling the status page")
	link, err := backend.Call(f.ctx, f.b, api.OpMonitoringPageEnable, admin, api.Empty{})
	must(f.t, err)
	if len(link.Token) < 40 || link.Path != "/status/"+link.Token {
		f.t.Fatalf("page link = %+v", link)
	}
	_, err = backend.Call(f.ctx, f.b, api.OpMonitoringPageDisable, admin, api.Empty{})
	must(f.t, err)
	events, err := f.b.ListAudit(f.ctx, admin, api.AuditQuery{Op: "monitoring.page"})
	must(f.t, err)
	raw, _ := json.Marshal(events)
	if count(events, "monitoring.page.enable", "ok") != 1 || count(events, "monitoring.page.disable", "ok") != 1 || bytes.Contains(raw, []byte(link.Token)) {
		f.t.Fatalf("page audit = %+v", events)
	}
}
