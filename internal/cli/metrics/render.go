package metrics

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/metricschart"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/tableprinter"
	"github.com/approov-cli/approov/internal/userfile"
)

// Limits of what is drawn: the series shown one by one (the rest are
// summed as "other"), the chart's width in cells, the days listed.
const (
	maxColumns   = 5
	maxChartKeys = 8
	barWidth     = 30
	maxDaysShown = 7
)

// render prints m: on a terminal a summary, the series, a table of steps
// with bars and the unique installations; piped, one line per step and
// value ("<start>\t<key>\t<count>", key "total" first).
func render(ios *iostreams.IOStreams, m api.Metrics) error {
	if !ios.IsStdoutTTY() {
		return renderLines(ios, m)
	}
	fmt.Fprintf(ios.Out, "Attestations by %s, %s, %s to %s UTC: %d\n\n", m.By, stepWord(m.Step),
		m.Since.Format("2006-01-02 15:04"), m.Until.Format("2006-01-02 15:04"), m.Total)
	if len(m.Series) > 0 {
		if err := renderSeries(ios, m); err != nil {
			return err
		}
		fmt.Fprintln(ios.Out)
	}
	if err := renderSteps(ios, m); err != nil {
		return err
	}
	fmt.Fprintf(ios.Out, "\nUnique installations: %s\n", uniques(m))
	return nil
}

func renderLines(ios *iostreams.IOStreams, m api.Metrics) error {
	tp := tableprinter.New(ios, "START", "KEY", "COUNT")
	for _, b := range m.Buckets {
		tp.AddRow(b.Start, "total", b.Total)
		for _, s := range m.Series {
			if n := b.Counts[s.Key]; n > 0 {
				tp.AddRow(b.Start, s.Key, n)
			}
		}
	}
	return tp.Render()
}

func renderSeries(ios *iostreams.IOStreams, m api.Metrics) error {
	tp := tableprinter.New(ios, strings.ToUpper(m.By), "ATTESTATIONS", "SHARE")
	for _, s := range m.Series {
		tp.AddRow(s.Key, s.Total, fmt.Sprintf("%.1f%%", 100*float64(s.Total)/float64(max(m.Total, 1))))
	}
	return tp.Render()
}

// renderSteps is the table of hours or days, each with its bar.
func renderSteps(ios *iostreams.IOStreams, m api.Metrics) error {
	keys, other := columns(m.Series, maxColumns)
	headers := []string{strings.ToUpper(m.Step), "TOTAL"}
	for _, k := range keys {
		headers = append(headers, strings.ToUpper(k))
	}
	if other {
		headers = append(headers, "OTHER")
	}
	tp := tableprinter.New(ios, append(headers, "")...)
	top := peak(m.Buckets)
	for _, b := range m.Buckets {
		row := []any{stepLabel(m.Step, b.Start, "2006-01-02 15:04"), b.Total}
		for _, k := range keys {
			row = append(row, b.Counts[k])
		}
		if other {
			row = append(row, restOf(b.Counts, keys))
		}
		tp.AddRow(append(row, metricschart.Bar(float64(b.Total), float64(top), barWidth))...)
	}
	return tp.Render()
}

// columns are the keys of the n largest series, and whether more exist.
func columns(series []api.MetricSeries, n int) ([]string, bool) {
	var keys []string
	for _, s := range series[:min(n, len(series))] {
		keys = append(keys, s.Key)
	}
	return keys, len(series) > n
}

// restOf adds the counts of the keys not shown. (By reason a step's counts
// may sum past its total: two reasons, two counts.)
func restOf(counts map[string]int64, shown []string) int64 {
	var n int64
	for k, c := range counts {
		if !slices.Contains(shown, k) {
			n += c
		}
	}
	return n
}

func peak(buckets []api.MetricBucket) int64 {
	var top int64
	for _, b := range buckets {
		top = max(top, b.Total)
	}
	return top
}

func stepWord(step string) string {
	if step == api.MetricsStepDay {
		return "daily"
	}
	return "hourly"
}

// stepLabel is a step's start: the day alone for daily steps.
func stepLabel(step string, t time.Time, hourly string) string {
	if step == api.MetricsStepDay {
		return t.UTC().Format("2006-01-02")
	}
	return t.UTC().Format(hourly)
}

// uniques lists the months and the last days of the period.
func uniques(m api.Metrics) string {
	var parts []string
	for _, mo := range m.Months {
		parts = append(parts, fmt.Sprintf("%d in %s", mo.Installations, mo.Period))
	}
	days := m.Days[max(0, len(m.Days)-maxDaysShown):]
	var ds []string
	for _, d := range days {
		ds = append(ds, fmt.Sprintf("%d on %s", d.Installations, d.Period))
	}
	out := strings.Join(parts, ", ") + "; " + strings.Join(ds, ", ")
	if len(days) < len(m.Days) {
		out += fmt.Sprintf(" (the last %d days; --json has all %d)", len(days), len(m.Days))
	}
	return out
}

// writeCharts writes the SVG and PNG files asked for.
func writeCharts(opts *Options, m api.Metrics) error {
	for _, out := range []struct{ path, format string }{{opts.SVG, metricschart.SVG}, {opts.PNG, metricschart.PNG}} {
		if out.path == "" {
			continue
		}
		data, err := metricschart.Render(chart(m), out.format)
		if err == nil {
			err = userfile.WriteAtomic(out.path, data, 0o644)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "Wrote %s\n", safetext.Escape(out.path))
	}
	return nil
}

// chart is m as a stacked bar chart of its largest series.
func chart(m api.Metrics) metricschart.Chart {
	c := metricschart.Chart{YLabel: "attestations", Title: safetext.Escapef("Attestations by %s, %s to %s UTC", m.By,
		m.Since.Format("2006-01-02 15:04"), m.Until.Format("2006-01-02 15:04"))}
	keys, other := columns(m.Series, maxChartKeys)
	series := make([]metricschart.Series, len(keys))
	for i, k := range keys {
		series[i].Name = safetext.Escape(k)
	}
	rest := metricschart.Series{Name: "other"}
	for _, b := range m.Buckets {
		c.Labels = append(c.Labels, stepLabel(m.Step, b.Start, "01-02 15:04"))
		for i, k := range keys {
			series[i].Values = append(series[i].Values, float64(b.Counts[k]))
		}
		rest.Values = append(rest.Values, float64(restOf(b.Counts, keys)))
	}
	if other {
		series = append(series, rest)
	}
	c.Series = series
	return c
}
