package service

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// metricsOps are the operations on the attestation metrics.
var metricsOps = []endpoint{
	serve(api.OpMetrics, (*Service).getMetrics),
}

// hourlyUpTo is the longest default period answered by the hour.
const hourlyUpTo = 72 * time.Hour

// metricsPeriod is a resolved query: whole steps, UTC.
type metricsPeriod struct {
	since, until time.Time
	by, step     string
}

// getMetrics answers the metrics of a period. It first rolls up closed
// hours (best effort: the answer is the same without it, only slower to
// read next time), then reads in one view.
func (s *Service) getMetrics(ctx context.Context, c *call, q api.MetricsQuery) (api.Metrics, error) {
	p, err := s.resolvePeriod(q)
	if err != nil {
		return api.Metrics{}, err
	}
	if err := s.compactAccount(ctx, c.acct.ID); err != nil && !errors.Is(err, store.ErrConflict) {
		return api.Metrics{}, err
	}
	var out api.Metrics
	err = s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		var err error
		out, err = readMetrics(tx, c.acct.ID, p)
		return err
	})
	return out, err
}

// resolvePeriod applies the defaults and bounds of api.MetricsQuery.
func (s *Service) resolvePeriod(q api.MetricsQuery) (metricsPeriod, error) {
	p := metricsPeriod{since: q.Since.UTC(), until: q.Until.UTC(), by: cmp.Or(q.By, api.MetricsByOutcome), step: q.Step}
	if q.Until.IsZero() {
		p.until = s.now()
	}
	if q.Since.IsZero() {
		p.since = p.until.Add(-24 * time.Hour)
	}
	if p.step == "" {
		p.step = api.MetricsStepDay
		if p.until.Sub(p.since) <= hourlyUpTo {
			p.step = api.MetricsStepHour
		}
	}
	if !slices.Contains(api.MetricsBy, p.by) {
		return p, fault.New(fault.Usage, "unknown breakdown %q: use one of %s", q.By, strings.Join(api.MetricsBy, ", "))
	}
	if p.step != api.MetricsStepHour && p.step != api.MetricsStepDay {
		return p, fault.New(fault.Usage, "unknown step %q: use hour or day", q.Step)
	}
	if !p.since.Before(p.until) || p.until.Sub(p.since) > api.MaxMetricsRange {
		return p, fault.New(fault.Usage, "the period must start before it ends and cover at most %d days", api.MaxMetricsRange/(24*time.Hour))
	}
	p.since, p.until = p.floor(p.since), p.ceil(p.until)
	return p, nil
}

func (p metricsPeriod) floor(t time.Time) time.Time {
	if p.step == api.MetricsStepDay {
		return metricsDay(t)
	}
	return metricsHour(t)
}

func (p metricsPeriod) ceil(t time.Time) time.Time {
	if f := p.floor(t); !f.Equal(t) {
		return p.next(f)
	}
	return t
}

func (p metricsPeriod) next(t time.Time) time.Time {
	if p.step == api.MetricsStepDay {
		return t.AddDate(0, 0, 1)
	}
	return t.Add(time.Hour)
}

// readMetrics builds the answer for p from the stored rows.
func readMetrics(tx store.Tx, account string, p metricsPeriod) (api.Metrics, error) {
	hours, err := readHours(tx, account, p.since, p.until)
	if err != nil {
		return api.Metrics{}, err
	}
	out := api.Metrics{Since: p.since, Until: p.until, By: p.by, Step: p.step}
	out.Buckets, out.Series, out.Total = p.tally(hours)
	if out.Days, err = uniquePeriods(tx, account, "d", p.since, p.until, periodDays); err != nil {
		return out, err
	}
	out.Months, err = uniquePeriods(tx, account, "m", p.since, p.until, periodMonths)
	return out, err
}

// tally sums hours into p's buckets and series.
func (p metricsPeriod) tally(hours map[time.Time]hourCounts) ([]api.MetricBucket, []api.MetricSeries, int64) {
	var buckets []api.MetricBucket
	index := map[time.Time]int{}
	for t := p.since; t.Before(p.until); t = p.next(t) {
		index[t] = len(buckets)
		buckets = append(buckets, api.MetricBucket{Start: t, Counts: map[string]int64{}})
	}
	series, total := map[string]int64{}, int64(0)
	for h, counts := range hours {
		b := &buckets[index[p.floor(h)]]
		for d, n := range counts {
			b.Total += n
			total += n
			for _, k := range seriesKeys(p.by, d) {
				b.Counts[k] += n
				series[k] += n
			}
		}
	}
	return buckets, sortedSeries(series), total
}

func sortedSeries(m map[string]int64) []api.MetricSeries {
	out := []api.MetricSeries{}
	for k, n := range m {
		out = append(out, api.MetricSeries{Key: k, Total: n})
	}
	slices.SortFunc(out, func(a, b api.MetricSeries) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// seriesKeys are the values of by that an attestation counts under.
func seriesKeys(by string, d metricDims) []string {
	switch by {
	case api.MetricsByReason:
		if d.Reasons == "" {
			return []string{"none"}
		}
		return strings.Split(d.Reasons, ",")
	case api.MetricsByApp:
		return []string{cmp.Or(d.AppID, "unknown")}
	case api.MetricsByVersion:
		return []string{cmp.Or(d.AppID, "unknown") + " " + cmp.Or(d.Version, "unknown")}
	case api.MetricsByPlatform:
		return []string{cmp.Or(d.Platform, "unknown")}
	case api.MetricsByNetwork:
		return []string{cmp.Or(d.Network, "unknown")}
	}
	return []string{d.Outcome}
}

// A period kind for unique installations: its key layout, the layout it
// is answered in, and its start and successor.
type periodKind struct {
	key, wire   string
	start, next func(time.Time) time.Time
}

var (
	periodDays   = periodKind{"20060102", "2006-01-02", metricsDay, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }}
	periodMonths = periodKind{"200601", "2006-01", metricsMonth, func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }}
)

// uniquePeriods counts the unique installations of each day or month that
// [since, until) touches, zeros included.
func uniquePeriods(tx store.Tx, account, kind string, since, until time.Time, k periodKind) ([]api.UniqueCount, error) {
	first, last := k.start(since), k.start(until.Add(-time.Nanosecond))
	counts, err := countUnique(tx, account, kind, k.key, first.Format(k.key), last.Format(k.key))
	out := []api.UniqueCount{}
	for t := first; !t.After(last); t = k.next(t) {
		out = append(out, api.UniqueCount{Period: t.Format(k.wire), Installations: counts[t.Format(k.key)]})
	}
	return out, err
}
