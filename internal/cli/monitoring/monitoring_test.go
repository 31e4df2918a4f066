package monitoring

import (
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

func TestSetFlags(t *testing.T) {
	hook := "https://hooks.example.com/x"
	tests := []struct {
		args  []string
		stdin string
		check func(api.MonitoringSetRequest) bool
		kind  fault.Kind
	}{
		{[]string{"--interval", "5m"}, "", func(r api.MonitoringSetRequest) bool {
			return r.Interval == 5*time.Minute && r.Emails == nil && r.Webhook == nil
		}, 0},
		{[]string{"--email", "a@example.com", "--email", "b@example.com"}, "", func(r api.MonitoringSetRequest) bool { return r.Emails != nil && len(*r.Emails) == 2 }, 0},
		{[]string{"--no-email"}, "", func(r api.MonitoringSetRequest) bool { return r.Emails != nil && len(*r.Emails) == 0 }, 0},
		{[]string{"--webhook", hook, "--webhook-secret-stdin"}, "s3cret-from-stdin-0123\n", func(r api.MonitoringSetRequest) bool {
			return r.Webhook != nil && *r.Webhook == hook && string(r.WebhookSecret) == "s3cret-from-stdin-0123"
		}, 0},
		{[]string{"--webhook", ""}, "", func(r api.MonitoringSetRequest) bool { return r.Webhook != nil && *r.Webhook == "" }, 0},
		{nil, "", nil, fault.Usage},
		{[]string{"--email", "a@example.com", "--no-email"}, "", nil, fault.Internal}, // cobra's own flag error: app.Main makes it a usage one
	}
	for _, tt := range tests {
		var got *api.MonitoringSetRequest
		fk := &backendtest.Fake{}
		backendtest.On(fk, api.OpMonitoringSet, func(_ backend.Caller, r api.MonitoringSetRequest) (api.MonitoringSettings, error) {
			got = &r
			return api.MonitoringSettings{Interval: 15 * time.Minute}, nil
		})
		f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fk, role.Admin)})
		s.In.WriteString(tt.stdin)
		err := clitest.Execute(NewCmdSet(f, nil), tt.args...)
		if tt.check == nil { // a refusal: nothing sent
			if err == nil || fault.KindOf(err) != tt.kind || got != nil {
				t.Errorf("%q: %v (sent %v), want %v", tt.args, err, got != nil, tt.kind)
			}
			continue
		}
		if err != nil || got == nil || !tt.check(*got) {
			t.Errorf("%q: %v, sent %#v", tt.args, err, got)
		}
		if strings.Contains(s.Out.String()+s.ErrOut.String(), "s3cret") {
			t.Errorf("%q printed the secret", tt.args)
		}
	}
}

func TestRunVerdict(t *testing.T) {
	tests := []struct {
		states []string
		kind   fault.Kind
	}{
		{[]string{"ok", "ok"}, 0},
		{[]string{"ok", "warning"}, fault.Invalid},
		{[]string{"warning", "failing"}, fault.Network},
		{nil, 0},
	}
	for _, tt := range tests {
		var ds []api.MonitoredDomain
		for _, s := range tt.states {
			ds = append(ds, api.MonitoredDomain{Domain: "x", State: s})
		}
		err := verdict(ds)
		if (tt.kind == 0) != (err == nil) || (err != nil && fault.KindOf(err) != tt.kind) {
			t.Errorf("%v: %v, want kind %v", tt.states, err, tt.kind)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, true},
		{"24h", now.Add(-24 * time.Hour), true},
		{"7d", now.Add(-7 * 24 * time.Hour), true},
		{"2026-11-30T00:00:00Z", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), true},
		{"yesterday", time.Time{}, false},
		{"-1h", time.Time{}, false},
		{"07d", time.Time{}, false},
		{"99999d", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseSince(tt.in, now)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseSince(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestStatusTableEscapes(t *testing.T) {
	fk := &backendtest.Fake{}
	backendtest.On(fk, api.OpMonitoringStatus, func(backend.Caller, api.Empty) (api.MonitoringStatus, error) {
		return api.MonitoringStatus{Domains: []api.MonitoredDomain{{Domain: "api.example.com", State: "failing", Error: "bad \x1b[31mred\x1b[0m\nline"}}}, nil
	})
	f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fk, role.Dev)})
	if err := clitest.Execute(NewCmdStatus(f, nil)); err != nil {
		t.Fatal(err)
	}
	if out := s.Out.String(); strings.Contains(out, "\x1b") || !strings.Contains(out, "api.example.com") {
		t.Fatalf("status table: %q", out)
	}
}
