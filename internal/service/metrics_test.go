package service_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
)

// expected is what the metrics operation must answer for simulated
// traffic: per breakdown, the total of each key, and per hour the total.
type expected struct {
	series map[string]map[string]int64
	hours  map[time.Time]int64
	days   map[string]map[string]bool
	total  int64
}

// drive records n attestations over the 30 hours before now and returns
// what the metrics must say of them, computed independently of the service.
func drive(t *testing.T, h *harness, n int) expected {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	want := expected{series: map[string]map[string]int64{}, hours: map[time.Time]int64{}, days: map[string]map[string]bool{}}
	now := h.clock.Now()
	for range n {
		f := service.AttestationFact{At: now.Add(-time.Duration(1+r.IntN(30*3600)) * time.Second),
			Outcome: []string{"pass", "pass-risky", "fail"}[r.IntN(3)], Platform: []string{"android", "ios"}[r.IntN(2)],
			AppID: []string{"com.example.a", "com.example.b"}[r.IntN(2)], AppVersion: fmt.Sprintf("2.%d", r.IntN(3)),
			Installation: fmt.Sprintf("inst-%d", r.IntN(80)), ClientAddr: fmt.Sprintf("192.0.2.%d", 1+r.IntN(200))}
		if f.Outcome != "pass" {
			f.Reasons = [][]string{{"rooted"}, {"emulator", "debugger"}, {"unregistered"}}[r.IntN(3)]
		}
		if err := h.svc.RecordAttestation(h.ctx, "acme", f); err != nil {
			t.Fatal(err)
		}
		want.add(f)
	}
	return want
}

func (w *expected) add(f service.AttestationFact) {
	reasons := f.Reasons
	if len(reasons) == 0 {
		reasons = []string{"none"}
	}
	keys := map[string][]string{"outcome": {f.Outcome}, "reason": reasons, "app": {f.AppID},
		"version": {f.AppID + " " + f.AppVersion}, "platform": {f.Platform}, "network": {"192.0.2.0/24"}}
	for by, ks := range keys {
		if w.series[by] == nil {
			w.series[by] = map[string]int64{}
		}
		for _, k := range ks {
			w.series[by][k]++
		}
	}
	w.hours[f.At.Truncate(time.Hour)]++
	day := f.At.Format("2006-01-02")
	if w.days[day] == nil {
		w.days[day] = map[string]bool{}
	}
	w.days[day][f.Installation] = true
	w.total++
}

// TestMetricsEqualTraffic: every breakdown of the metrics operation equals
// the simulated traffic, before and after compaction, with every
// transaction run twice.
func TestMetricsEqualTraffic(t *testing.T) {
	h := newHarness(t, nil)
	h.st.conflictFirst = true
	h.enrol()
	want := drive(t, h, 700)
	check := func() {
		dev, err := h.login("owner@example.com", role.Dev, "pw-dev")
		if err != nil {
			t.Fatal(err)
		}
		for by := range want.series {
			m, err := backend.Call(h.ctx, h.b, api.OpMetrics, dev, api.MetricsQuery{Since: h.clock.Now().Add(-48 * time.Hour), Until: h.clock.Now(), By: by, Step: "hour"})
			if err != nil {
				t.Fatal(err)
			}
			compareMetrics(t, by, m, want)
		}
	}
	check()
	h.clock.Advance(3 * time.Hour) // every hour of the traffic is closed now: compaction rolls it up
	check()
}

func compareMetrics(t *testing.T, by string, m api.Metrics, want expected) {
	t.Helper()
	if m.Total != want.total || len(m.Series) != len(want.series[by]) {
		t.Fatalf("by %s: total %d, %d series; want %d, %d", by, m.Total, len(m.Series), want.total, len(want.series[by]))
	}
	for _, s := range m.Series {
		if s.Total != want.series[by][s.Key] {
			t.Errorf("by %s, %q: %d attestations, want %d", by, s.Key, s.Total, want.series[by][s.Key])
		}
	}
	for _, b := range m.Buckets {
		var sum int64
		for _, n := range b.Counts {
			sum += n
		}
		if b.Total != want.hours[b.Start] || (by != "reason" && sum != b.Total) {
			t.Errorf("by %s, hour %v: total %d (series sum %d), want %d", by, b.Start, b.Total, sum, want.hours[b.Start])
		}
	}
	for _, d := range m.Days {
		if d.Installations != int64(len(want.days[d.Period])) {
			t.Errorf("%s: %d unique installations, want %d", d.Period, d.Installations, len(want.days[d.Period]))
		}
	}
	if !strings.HasPrefix(m.Months[0].Period, "2026-11") || m.Months[0].Installations == 0 {
		t.Errorf("months = %+v", m.Months)
	}
}
