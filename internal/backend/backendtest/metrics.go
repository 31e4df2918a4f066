package backendtest

import (
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// metricsCases are the cases about the attestation metrics.
var metricsCases = []testCase{
	{"MetricsPeriods", testMetricsPeriods, ops(api.OpMetrics)},
}

// testMetricsPeriods: an account without attestations answers zeros over
// whole steps of the period asked, for admin and dev; bad queries are
// usage errors and other roles are refused.
func testMetricsPeriods(f *fixture) {
	user, admin := f.admin()
	f.clock.Advance(17 * time.Minute)
	now := f.clock.Now()
	m := metrics(f, admin, api.MetricsQuery{})
	hour := now.Truncate(time.Hour)
	if m.Total != 0 || m.By != api.MetricsByOutcome || m.Step != api.MetricsStepHour || len(m.Buckets) != 25 ||
		!m.Since.Equal(hour.Add(-24*time.Hour)) || !m.Until.Equal(hour.Add(time.Hour)) || len(m.Series) != 0 {
		f.t.Fatalf("default metrics at %v = %+v", now, m)
	}
	if len(m.Days) != 2 || m.Days[1].Period != now.Format("2006-01-02") || len(m.Months) != 1 || m.Months[0].Installations != 0 {
		f.t.Fatalf("unique installations = %+v, %+v", m.Days, m.Months)
	}
	dev := f.mustLogin(user, role.Dev)
	week := metrics(f, dev, api.MetricsQuery{Since: now.Add(-7 * 24 * time.Hour), Until: now, By: api.MetricsByReason})
	if week.Step != api.MetricsStepDay || len(week.Buckets) != 8 || len(week.Days) != 8 || week.By != api.MetricsByReason {
		f.t.Fatalf("a week by reason = step %s, %d buckets, %d days", week.Step, len(week.Buckets), len(week.Days))
	}
	for _, q := range []api.MetricsQuery{{By: "colour"}, {Step: "minute"}, {Since: now, Until: now.Add(-time.Hour)},
		{Since: now.Add(-api.MaxMetricsRange - time.Hour), Until: now}} {
		_, err := backend.Call(f.ctx, f.b, api.OpMetrics, admin, q)
		wantKind(f.t, err, fault.Usage, "metrics query "+q.By+q.Step)
	}
	f.invite(admin, "vendor@example.com", role.Delegate)
	_, err := backend.Call(f.ctx, f.b, api.OpMetrics, f.mustLogin("vendor@example.com", role.Delegate), api.MetricsQuery{})
	wantKind(f.t, err, fault.Permission, "a delegate reading metrics")
}

func metrics(f *fixture, who backend.Caller, q api.MetricsQuery) api.Metrics {
	f.t.Helper()
	m, err := backend.Call(f.ctx, f.b, api.OpMetrics, who, q)
	must(f.t, err)
	return m
}
