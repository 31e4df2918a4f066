// Package metricschart draws attestation counts: Unicode bars for a
// terminal, and stacked bar charts as SVG or PNG (gonum.org/v1/plot). It
// knows nothing of the service or the command line: it draws numbers.
package metricschart

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Chart is a stacked bar chart: one bar per label, one segment per series.
type Chart struct {
	Title  string
	YLabel string
	Labels []string // one per bar, oldest first
	Series []Series // stacked in this order, the first at the bottom
}

// Series is one stacked segment's values, one per label.
type Series struct {
	Name   string
	Values []float64
}

// Formats Render writes.
const (
	SVG = "svg"
	PNG = "png"
)

// maxLabels is how many x-axis labels a chart shows at most; the others
// are left blank so that they stay readable.
const maxLabels = 12

// Render draws c in format (SVG or PNG), 8 by 4 inches.
func Render(c Chart, format string) ([]byte, error) {
	if format != SVG && format != PNG {
		return nil, fmt.Errorf("metricschart: unknown format %q", format)
	}
	p := plot.New()
	p.Title.Text, p.Y.Label.Text, p.Y.Min = c.Title, c.YLabel, 0
	p.Legend.Top = true
	width := vg.Length(math.Max(1, 480/float64(max(len(c.Labels), 1))))
	var below *plotter.BarChart
	for i, s := range c.Series {
		bars, err := bars(s, len(c.Labels), width, plotutil.Color(i))
		if err != nil {
			return nil, err
		}
		if below != nil {
			bars.StackOn(below)
		}
		p.Add(bars)
		p.Legend.Add(s.Name, bars)
		below = bars
	}
	if len(c.Labels) > 0 { // NominalX panics on none
		p.NominalX(thin(c.Labels, maxLabels)...)
	}
	return write(p, format)
}

// bars is one series as a bar chart of n values.
func bars(s Series, n int, width vg.Length, col color.Color) (*plotter.BarChart, error) {
	vs := make(plotter.Values, n)
	copy(vs, s.Values)
	b, err := plotter.NewBarChart(vs, width)
	if err != nil {
		return nil, fmt.Errorf("metricschart: series %q: %w", s.Name, err)
	}
	b.Color, b.LineStyle.Width = col, 0
	return b, nil
}

func write(p *plot.Plot, format string) ([]byte, error) {
	w, err := p.WriterTo(8*vg.Inch, 4*vg.Inch, format)
	if err != nil {
		return nil, fmt.Errorf("metricschart: %w", err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("metricschart: %w", err)
	}
	return buf.Bytes(), nil
}

// thin keeps about n of labels, evenly spaced, blanking the rest.
func thin(labels []string, n int) []string {
	step := max(1, (len(labels)+n-1)/n)
	out := make([]string, len(labels))
	for i := 0; i < len(labels); i += step {
		out[i] = labels[i]
	}
	return out
}

// eighths are the partial blocks of a bar, an eighth of a cell each.
var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// Bar is a horizontal bar of v on a scale where top fills width cells, in
// eighths of a cell; any v above zero shows at least an eighth.
func Bar(v, top float64, width int) string {
	if v <= 0 || top <= 0 || width <= 0 {
		return ""
	}
	n := int(math.Round(math.Min(v/top, 1) * float64(width*8)))
	n = max(n, 1)
	return strings.Repeat("█", n/8) + eighths[n%8]
}
