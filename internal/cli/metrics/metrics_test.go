package metrics

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
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

// answer is a metrics answer of three hours by reason, with a hostile key.
func answer(q api.MetricsQuery) api.Metrics {
	h := now.Truncate(time.Hour)
	return api.Metrics{Since: h.Add(-2 * time.Hour), Until: h.Add(time.Hour), By: q.By, Step: "hour", Total: 9,
		Series: []api.MetricSeries{{Key: "rooted", Total: 6}, {Key: "none", Total: 3}, {Key: "a", Total: 1}, {Key: "b", Total: 1}, {Key: "c", Total: 1}, {Key: "<evil>&\x1b[31m", Total: 1}},
		Buckets: []api.MetricBucket{
			{Start: h.Add(-2 * time.Hour), Total: 4, Counts: map[string]int64{"rooted": 3, "none": 1, "<evil>&\x1b[31m": 1}},
			{Start: h.Add(-time.Hour), Total: 0, Counts: map[string]int64{}},
			{Start: h, Total: 5, Counts: map[string]int64{"rooted": 3, "none": 2, "a": 1, "b": 1, "c": 1}}},
		Days:   []api.UniqueCount{{Period: "2026-12-01", Installations: 7}},
		Months: []api.UniqueCount{{Period: "2026-12", Installations: 7}}}
}

func fake(t *testing.T, got *api.MetricsQuery) *backendtest.Fake {
	b := &backendtest.Fake{}
	backendtest.On(b, api.OpMetrics, func(_ backend.Caller, q api.MetricsQuery) (api.Metrics, error) {
		*got = q
		return answer(q), nil
	})
	return b
}

func TestMetricsTerminal(t *testing.T) {
	var q api.MetricsQuery
	f, s := clitest.Factory(clitest.Config{TTY: true, Now: now, Auth: logintest.LiveManager(t, fake(t, &q), role.Dev)})
	if err := clitest.Execute(NewCmdMetrics(f, nil), "--since", "3h", "--by", "reason"); err != nil {
		t.Fatal(err)
	}
	if want := (api.MetricsQuery{Since: now.Add(-3 * time.Hour), By: "reason"}); q != want {
		t.Errorf("query %+v, want %+v", q, want)
	}
	out := s.Out.String()
	for _, want := range []string{"Attestations by reason, hourly, 2026-12-01 10:00 to 2026-12-01 13:00 UTC: 9",
		"rooted", "66.7%", "OTHER", "2026-12-01 12:00", strings.Repeat("█", barWidth), "Unique installations: 7 in 2026-12; 7 on 2026-12-01"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape sequence reached the terminal:\n%q", out)
	}
}

func TestMetricsPiped(t *testing.T) {
	var q api.MetricsQuery
	f, s := clitest.Factory(clitest.Config{Now: now, Auth: logintest.LiveManager(t, fake(t, &q), role.Admin)})
	if err := clitest.Execute(NewCmdMetrics(f, nil)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(s.Out.String()), "\n")
	if len(lines) != 3+3+5 || lines[0] != "2026-12-01T10:00:00Z\ttotal\t4" || lines[1] != "2026-12-01T10:00:00Z\trooted\t3" {
		t.Errorf("piped lines:\n%s", strings.Join(lines, "\n"))
	}
	if q.By != "outcome" || !q.Since.IsZero() {
		t.Errorf("default query %+v", q)
	}
}

func TestMetricsCharts(t *testing.T) {
	var q api.MetricsQuery
	dir := t.TempDir()
	svg, pngFile := filepath.Join(dir, "m.svg"), filepath.Join(dir, "m.png")
	f, s := clitest.Factory(clitest.Config{Now: now, Auth: logintest.LiveManager(t, fake(t, &q), role.Admin)})
	if err := clitest.Execute(NewCmdMetrics(f, nil), "--svg", svg, "--png", pngFile, "--json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Out.String(), `"total":9`) && !strings.Contains(s.Out.String(), `"total": 9`) {
		t.Errorf("--json:\n%s", s.Out.String())
	}
	raw, _ := os.ReadFile(svg)
	checkSVG(t, raw)
	if !bytes.Contains(raw, []byte("rooted")) || bytes.Contains(raw, []byte("\x1b")) {
		t.Error("the SVG lacks the legend or carries an escape sequence")
	}
	raw, _ = os.ReadFile(pngFile)
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("PNG: %v", err)
	}
	// A directory is never replaced.
	f, _ = clitest.Factory(clitest.Config{Now: now, Auth: logintest.LiveManager(t, fake(t, &q), role.Admin)})
	if err := clitest.Execute(NewCmdMetrics(f, nil), "--svg", dir); fault.KindOf(err) != fault.Invalid {
		t.Errorf("--svg onto a directory: %v", err)
	}
}

func checkSVG(t *testing.T, raw []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(raw))
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q", root)
	}
}

func TestMetricsFlags(t *testing.T) {
	for _, args := range [][]string{{"--by", "colour"}, {"--step", "minute"}, {"--since", "yesterday"},
		{"--until", "2h", "--since", "1h"}} {
		var q api.MetricsQuery
		f, _ := clitest.Factory(clitest.Config{Now: now, Auth: logintest.LiveManager(t, fake(t, &q), role.Admin)})
		if err := clitest.Execute(NewCmdMetrics(f, nil), args...); fault.KindOf(err) != fault.Usage {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}
