package audit

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

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func TestParseSince(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, true},
		{"24h", now.Add(-24 * time.Hour), true},
		{"90m", now.Add(-90 * time.Minute), true},
		{"7d", now.Add(-7 * 24 * time.Hour), true},
		{"2w", now.Add(-14 * 24 * time.Hour), true},
		{"2026-11-01T00:00:00+01:00", time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC), true},
		{"0d", time.Time{}, false},
		{"-3d", time.Time{}, false},
		{"+3d", time.Time{}, false},
		{"07d", time.Time{}, false},
		{"99999999999d", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"-1h", time.Time{}, false},
		{"2026-11-01", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseSince(tt.in, now)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && fault.KindOf(err) != fault.Usage {
			t.Errorf("ParseSince(%q): kind %v, want usage", tt.in, fault.KindOf(err))
		}
	}
}

func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"24h", "7d", "2w", "2026-11-01T00:00:00Z", "-1d", "1e9h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSince(s, now)
		if err == nil && s != "" && got.After(now) {
			t.Fatalf("%q: %v is after now", s, got)
		}
	})
}

func TestListSendsFiltersAndShowsChanges(t *testing.T) {
	var got api.AuditQuery
	b := &backendtest.Fake{}
	backendtest.On(b, api.OpAuditList, func(_ backend.Caller, q api.AuditQuery) ([]api.AuditEvent, error) {
		got = q
		return []api.AuditEvent{
			{Seq: 1, Time: now, User: "a@example.com", Role: role.Admin, Op: "pin.push", Target: "acme", Outcome: "ok",
				Detail: "2 pins added", FromVersion: 3, ToVersion: 4, Reason: "\x1b[31mforced"},
			{Seq: 2, Time: now, Op: "login", Outcome: "bad-credentials"},
		}, nil
	})
	f, s := clitest.Factory(clitest.Config{Now: now, Auth: logintest.LiveManager(t, b, role.Admin)})
	err := clitest.Execute(NewCmdList(f, nil), "--since", "1h", "--user", "a@example.com", "--operation", "pin", "--limit", "5")
	if err != nil {
		t.Fatal(err)
	}
	if want := (api.AuditQuery{Since: now.Add(-time.Hour), User: "a@example.com", Op: "pin", Limit: 5}); got != want {
		t.Errorf("query = %+v, want %+v", got, want)
	}
	out := s.Out.String()
	if !strings.Contains(out, "2 pins added; v3→v4; reason: ") || strings.Contains(out, "\x1b") || !strings.Contains(out, "\t-\t-\tlogin\t-\tbad-credentials\t-") {
		t.Errorf("table:\n%q", out)
	}
	f, _ = clitest.Factory(clitest.Config{Now: now, Auth: logintest.LiveManager(t, b, role.Admin)})
	if err := clitest.Execute(NewCmdList(f, nil), "--limit", "10001"); fault.KindOf(err) != fault.Usage {
		t.Errorf("--limit 10001: %v", err)
	}
}
