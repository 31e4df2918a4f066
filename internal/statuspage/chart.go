package statuspage

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// The chart's geometry, in SVG user units: an availability strip above a
// latency line, one bucket per hour over 7 days.
const (
	window    = 7 * 24 * time.Hour
	buckets   = 7 * 24
	chartW    = 720.0
	stripTop  = 4.0
	stripH    = 18.0
	latTop    = 34.0
	latH      = 90.0
	barW      = chartW / buckets
	dayLabelY = latTop + latH + 16

	// maxSampleLatency caps one sample, so sums cannot overflow.
	maxSampleLatency = time.Hour
)

// chart is the SVG's content, every number already formatted.
type chart struct {
	Strip        []bar
	Lines        []string // polyline points, one per run of hours with data
	Days         []tick
	MaxLatency   string // the latency axis's top
	Availability string // e.g. "99.4 %", or "no data"
	Checks       int
	Failures     int
	LabelY       string
	LatBottom    string
}

type bar struct{ X, W, Class string }
type tick struct{ X, Label string }

// bucket is one hour's checks.
type bucket struct {
	n, ok  int
	latSum time.Duration // over successful checks
}

func (b bucket) class() string {
	switch {
	case b.n == 0:
		return "none"
	case b.ok == b.n:
		return "up"
	case b.ok == 0:
		return "down"
	}
	return "part"
}

func (b bucket) latency() time.Duration {
	if b.ok == 0 {
		return 0
	}
	return b.latSum / time.Duration(b.ok)
}

func newChart(history []Sample, now time.Time) chart {
	bs := fill(history, now)
	c := chart{Days: days(now), LabelY: num(dayLabelY), LatBottom: num(latTop + latH)}
	for _, b := range bs {
		c.Checks += b.n
		c.Failures += b.n - b.ok
	}
	c.Availability = "no data"
	if c.Checks > 0 {
		c.Availability = fmt.Sprintf("%.1f %%", 100*float64(c.Checks-c.Failures)/float64(c.Checks))
	}
	c.Strip = strip(bs)
	top := niceCeil(maxLatency(bs))
	c.MaxLatency = ms(top)
	c.Lines = lines(bs, top)
	return c
}

// fill sorts the samples of the last 7 days into hourly buckets; older,
// future and zero-time samples are left out.
func fill(history []Sample, now time.Time) []bucket {
	bs := make([]bucket, buckets)
	start := now.Add(-window)
	for _, s := range history {
		if s.At.Before(start) || !s.At.Before(now) {
			continue
		}
		b := &bs[int(s.At.Sub(start)/time.Hour)]
		b.n++
		if s.OK {
			b.ok++
			b.latSum += min(max(s.Latency, 0), maxSampleLatency)
		}
	}
	return bs
}

// strip merges neighbouring hours of the same class into one rectangle.
func strip(bs []bucket) []bar {
	var out []bar
	for i := 0; i < len(bs); {
		j := i + 1
		for j < len(bs) && bs[j].class() == bs[i].class() {
			j++
		}
		out = append(out, bar{num(float64(i) * barW), num(float64(j-i) * barW), bs[i].class()})
		i = j
	}
	return out
}

// lines draws average latency per hour, broken where an hour has no
// successful check.
func lines(bs []bucket, top time.Duration) []string {
	var out []string
	var run []point
	for i, b := range bs {
		if b.ok == 0 {
			out, run = flush(out, run), nil
			continue
		}
		y := latTop + latH - latH*float64(b.latency())/float64(top)
		run = append(run, point{(float64(i) + 0.5) * barW, y})
	}
	return flush(out, run)
}

type point struct{ x, y float64 }

// flush ends a run of points as polyline points; a lone hour becomes a
// short flat line so it still shows.
func flush(out []string, run []point) []string {
	if len(run) == 0 {
		return out
	}
	if len(run) == 1 {
		p := run[0]
		run = []point{{p.x - barW/2, p.y}, {p.x + barW/2, p.y}}
	}
	buf := make([]byte, 0, len(run)*14)
	for i, p := range run {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = append(appendNum(buf, p.x), ',')
		buf = appendNum(buf, p.y)
	}
	return append(out, string(buf))
}

func maxLatency(bs []bucket) time.Duration {
	var m time.Duration
	for _, b := range bs {
		m = max(m, b.latency())
	}
	return m
}

// niceCeil rounds a latency up to 1, 2, 3 or 5 times a power of ten
// milliseconds, so the axis reads well; at least 10 ms. Samples are capped
// at maxSampleLatency, so the loop ends.
func niceCeil(d time.Duration) time.Duration {
	for step := 10 * time.Millisecond; ; step *= 10 {
		for _, m := range []time.Duration{1, 2, 3, 5} {
			if d <= m*step {
				return m * step
			}
		}
	}
}

// edge is how close to the chart's sides a day label may sit.
const edge = 24.0

// days marks each day boundary (UTC midnight) inside the window.
func days(now time.Time) []tick {
	start := now.Add(-window)
	var out []tick
	for d := start.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour); d.Before(now); d = d.Add(24 * time.Hour) {
		x := chartW * float64(d.Sub(start)) / float64(window)
		label := d.Format("Jan 2")
		if x < edge || x > chartW-edge {
			label = "" // it would be cut off at the edge; the grid line stays
		}
		out = append(out, tick{num(x), label})
	}
	return out
}

// num formats a coordinate with at most two decimals, as short as it goes.
func num(f float64) string { return string(appendNum(nil, f)) }

func appendNum(b []byte, f float64) []byte {
	return strconv.AppendFloat(b, math.Round(f*100)/100, 'f', -1, 64)
}
