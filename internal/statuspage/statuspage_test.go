package statuspage

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/approov-cli/approov/internal/safetext"
)

func render(t testing.TB, p Page) (string, *html.Node) {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, p); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), doc
}

// allowed is every element the template writes: anything else in the
// parsed page came from injected text.
var allowed = map[string]bool{
	"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true, "header": true,
	"h1": true, "p": true, "div": true, "ul": true, "li": true, "main": true, "section": true, "h2": true,
	"span": true, "dl": true, "dt": true, "dd": true, "table": true, "thead": true, "tbody": true, "tr": true,
	"th": true, "td": true, "figure": true, "figcaption": true, "svg": true, "g": true, "rect": true,
	"line": true, "text": true, "polyline": true, "footer": true,
}

// allowedAttrs are the attributes the template writes.
var allowedAttrs = map[string]bool{
	"lang": true, "charset": true, "http-equiv": true, "content": true, "name": true, "class": true,
	"role": true, "viewbox": true, "aria-label": true, "x": true, "y": true, "width": true, "height": true,
	"x1": true, "y1": true, "x2": true, "y2": true, "text-anchor": true, "points": true,
}

// structure checks what must hold of any rendered page: only the
// template's elements and attributes, one CSP meta, no script.
func structure(t testing.TB, doc *html.Node) {
	t.Helper()
	csp := 0
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if !allowed[n.Data] {
			t.Fatalf("unexpected element <%s>", n.Data)
		}
		for _, a := range n.Attr {
			if !allowedAttrs[strings.ToLower(a.Key)] || a.Namespace != "" {
				t.Fatalf("unexpected attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
			}
			if a.Key == "http-equiv" && a.Val == "Content-Security-Policy" {
				csp++
			}
		}
	}
	if csp != 1 {
		t.Fatalf("%d CSP meta tags, want 1", csp)
	}
}

func TestRenderStructure(t *testing.T) {
	p := samplePage()
	out, doc := render(t, p)
	structure(t, doc)
	if !strings.Contains(out, `content="`+strings.ReplaceAll(ContentSecurityPolicy, "'", "&#39;")+`"`) {
		t.Errorf("CSP meta missing or altered: want %q", ContentSecurityPolicy)
	}
	sections := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Section })
	if len(sections) != len(p.Domains) {
		t.Fatalf("%d sections, want %d", len(sections), len(p.Domains))
	}
	// Most severe first, then by name; an unknown state name shows as unknown.
	var order []string
	for _, s := range sections {
		order = append(order, attr(s, "class"))
	}
	if got := strings.Join(order, "|"); got != "domain failing|domain warning|domain unknown|domain ok" {
		t.Errorf("section order %s", got)
	}
	for _, s := range sections[:2] {
		if len(find(s, isElem("svg"))) != 1 || len(find(s, isElem("polyline"))) == 0 {
			t.Errorf("section %q: want one svg with a latency line", attr(s, "class"))
		}
	}
}

func TestRenderEscapesHostileText(t *testing.T) {
	out, doc := render(t, samplePage())
	structure(t, doc)
	text := textOf(doc)
	want := safetext.Escape(hostile)
	for _, field := range []string{want + ".evil.example", "CN=" + want} {
		if !strings.Contains(text, field) {
			t.Errorf("page text lacks %q shown as text", field)
		}
	}
	for _, raw := range []string{"<script", "\x1b", "\u202e", "\r", "<b>pwned"} {
		if strings.Contains(out, raw) {
			t.Errorf("raw %q in the page", raw)
		}
	}
	if strings.Contains(text, "pwned") {
		t.Error("an unknown state name reached the page")
	}
}

func TestRenderContent(t *testing.T) {
	_, doc := render(t, samplePage())
	text := textOf(doc)
	for _, want := range []string{
		"acme-mobile · API status",
		"Generated 2026-12-01 21:30 UTC",
		"1 domain is failing",
		"1 Failing", "1 Warning", "1 Unknown", "1 OK",
		"in 74 days (2027-02-13)",            // certificate countdown
		"in 12 days (2026-12-13)",            // inside 30 days
		"in 5 days (2026-12-06)",             // pin set inside 7 days
		"3 h 20 min ago",                     // failing since
		"4 min ago · 84 ms",                  // last check and latency
		"in 11 min",                          // next check
		"no pin matches the chain served by", // the error
		"✓ matched", "– not matched",
		"availability 100.0 % (672 checks, 0 failed)", "availability 100.0 % (472 checks, 0 failed)",
		"availability 96.0 % (672 checks, 27 failed)",
		"availability no data (0 checks, 0 failed)",
		"Nov 26", "Dec 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	classes := map[string]int{}
	for _, n := range find(doc, isElem("dd")) {
		classes[attr(n, "class")]++
	}
	if classes["bad"] != 2 || classes["warn"] != 1 || classes["ok"] != 2 {
		t.Errorf("countdown classes %v, want bad 2 (within 7 days), warn 1 (within 30), ok 2", classes)
	}
}

func TestRenderEmpty(t *testing.T) {
	_, doc := render(t, Page{Account: "new", Generated: now})
	structure(t, doc)
	if !strings.Contains(textOf(doc), "No API domains are monitored yet") {
		t.Error("empty page lacks its banner")
	}
}

func TestChart(t *testing.T) {
	hist := []Sample{
		{At: now.Add(-window - time.Minute), OK: false},                             // before the window: left out
		{At: now.Add(-90 * time.Minute), OK: true, Latency: 30 * time.Millisecond},  // bucket 166
		{At: now.Add(-80 * time.Minute), OK: false},                                 // bucket 166: part
		{At: now.Add(-10 * time.Minute), OK: true, Latency: 140 * time.Millisecond}, // bucket 167
		{At: now.Add(time.Minute), OK: false},                                       // future: left out
	}
	c := newChart(hist, now)
	if c.Checks != 3 || c.Failures != 1 || c.Availability != "66.7 %" || c.MaxLatency != "200 ms" {
		t.Fatalf("chart %+v", c)
	}
	wantStrip := []bar{{"0", "711.43", "none"}, {"711.43", "4.29", "part"}, {"715.71", "4.29", "up"}}
	if len(c.Strip) != len(wantStrip) {
		t.Fatalf("strip %v, want %v", c.Strip, wantStrip)
	}
	for i := range wantStrip {
		if c.Strip[i] != wantStrip[i] {
			t.Errorf("strip[%d] = %v, want %v", i, c.Strip[i], wantStrip[i])
		}
	}
	// Hours 166 and 167 in one line: 30 ms of 200 is 13.5 units up, 140 ms is 63.
	if len(c.Lines) != 1 || c.Lines[0] != "713.57,110.5 717.86,61" {
		t.Errorf("lines %q", c.Lines)
	}
	if len(c.Days) != 7 || c.Days[0].Label != "" || c.Days[1].Label != "Nov 26" || c.Days[6].Label != "Dec 1" { // Nov 25 would be cut off
		t.Errorf("days %v", c.Days)
	}
}

func TestSpanAndExpiry(t *testing.T) {
	spans := map[time.Duration]string{
		30 * time.Second: "30 s", 12 * time.Minute: "12 min", 5*time.Hour + 3*time.Minute: "5 h 3 min",
		47 * time.Hour: "47 h 0 min", 49 * time.Hour: "2 days", 24 * 24 * time.Hour: "24 days",
	}
	for d, want := range spans {
		if got := span(d); got != want {
			t.Errorf("span(%v) = %q, want %q", d, got, want)
		}
	}
	for _, tt := range []struct {
		left  time.Duration
		class string
	}{{-time.Hour, "bad"}, {6 * 24 * time.Hour, "bad"}, {8 * 24 * time.Hour, "warn"}, {31 * 24 * time.Hour, "ok"}} {
		if c := expiry(now.Add(tt.left), now); c.Class != tt.class {
			t.Errorf("expiry in %v: class %q, want %q", tt.left, c.Class, tt.class)
		}
	}
	if c := expiry(time.Time{}, now); c.Text != "—" || c.Class != "none" {
		t.Errorf("zero expiry %+v", c)
	}
}

func FuzzRender(f *testing.F) {
	f.Add("api.example.com", "CN=api.example.com", "timeout", "pin=", "ok", int64(50))
	f.Add(hostile, hostile, hostile, hostile, "failing", int64(-1))
	f.Add("</style><script>x</script>", "<svg onload=alert(1)>", "]]><!--", "\"><img src=x>", "warning", int64(1<<62))
	f.Add("\x00\xff\xfe", "{{.}}", "</title><script>", "javascript:alert(1)", "</svg>", int64(0))
	f.Fuzz(func(t *testing.T, name, subject, errText, pin, state string, latency int64) {
		p := Page{Account: name, Generated: now, Domains: []Domain{{
			Name: name, State: state, Error: errText, CertSubject: subject, Pins: []Pin{{pin, true}},
			Latency: time.Duration(latency), CertExpiry: now.Add(time.Duration(latency)),
			History: []Sample{{At: now.Add(-time.Hour), OK: true, Latency: time.Duration(latency)}},
		}}}
		_, doc := render(t, p)
		structure(t, doc)
		if len(find(doc, isElem("svg"))) != 1 {
			t.Fatal("want exactly one svg")
		}
		text := textOf(doc)
		if n := strings.Count(text, clean(subject, maxName)); n < 1 {
			t.Fatalf("subject %q not shown as text", subject)
		}
	})
}

func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if match(d) {
			out = append(out, d)
		}
	}
	return out
}

func isElem(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == name }
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is the page's visible text (style contents left out), each text
// node as the browser would show it.
func textOf(doc *html.Node) string {
	var b strings.Builder
	for n := range doc.Descendants() {
		if n.Type == html.TextNode && n.Parent.Data != "style" {
			b.WriteString(n.Data)
		}
	}
	return b.String()
}
