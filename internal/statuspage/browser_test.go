package statuspage

import (
	"bytes"
	"flag"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/testtool/chromium"
)

var screenshot = flag.String("screenshot", "", "also write TestScreenshot's PNG of the sample page to this file")

// servePage serves the sample page the way approovd does: with the CSP header.
func servePage(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
		w.Header().Set("Referrer-Policy", "no-referrer")
		if err := Render(w, samplePage()); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The browser's DOM, not our serialisation: the chart is an svg element,
// and the domain and subject holding <script> are text, not elements.
func TestBrowserDOM(t *testing.T) {
	dom, err := chromium.New(t).DumpDOM(servePage(t))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	structure(t, doc) // no script, img or anything else the template does not write
	if n := len(find(doc, isElem("svg"))); n != 4 {
		t.Errorf("%d svg charts in the browser's DOM, want 4", n)
	}
	if n := len(find(doc, isElem("polyline"))); n < 3 {
		t.Errorf("%d latency lines, want at least 3", n)
	}
	text := textOf(doc)
	for _, want := range []string{safetext.Escape(hostile) + ".evil.example", "CN=" + safetext.Escape(hostile), "1 domain is failing"} {
		if !strings.Contains(text, want) {
			t.Errorf("browser text lacks %q", want)
		}
	}
}

// TestScreenshot renders the sample page and checks the PNG is the page;
// -screenshot=/tmp/status.png keeps it to look at.
func TestScreenshot(t *testing.T) {
	b := chromium.New(t)
	b.Width, b.Height = 1100, 2000
	out := filepath.Join(t.TempDir(), "status.png")
	if *screenshot != "" {
		out = *screenshot
	}
	if err := b.Screenshot(servePage(t), out); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// The failing banner's red near the top: the page and its CSS rendered.
	if r, g, _, _ := img.At(300, 110).RGBA(); r>>8 < 0xa0 || g>>8 > 0x60 {
		t.Errorf("pixel at the banner r=%d g=%d, want the failing red", r>>8, g>>8)
	}
}
