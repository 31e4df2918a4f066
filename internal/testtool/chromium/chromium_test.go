package chromium

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const page = `<!DOCTYPE html><title>t</title><body style="background:#c00"><p id=x>hello</p><script>document.getElementById("x").textContent="scripted"</script>`

func serve(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The DOM is the browser's, after scripts ran: proof it is not the source.
func TestDumpDOM(t *testing.T) {
	dom, err := New(t).DumpDOM(serve(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dom, `<p id="x">scripted</p>`) {
		t.Fatalf("DOM:\n%s", dom)
	}
}

func TestScreenshot(t *testing.T) {
	b := New(t)
	b.Width, b.Height = 400, 300
	out := filepath.Join(t.TempDir(), "shot.png")
	if err := b.Screenshot(serve(t), out); err != nil {
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
	if r := img.Bounds(); r.Dx() != 400 || r.Dy() != 300 {
		t.Fatalf("screenshot %v, want 400x300", r)
	}
	if r, g, _, _ := img.At(390, 290).RGBA(); r>>8 < 0xb0 || g>>8 > 0x20 {
		t.Fatalf("corner pixel r=%d g=%d, want the page's red background", r>>8, g>>8)
	}
}

func TestBrowserFailureIsAnError(t *testing.T) {
	b := New(t)
	b.Path = filepath.Join(t.TempDir(), "no-such-chromium")
	if _, err := b.DumpDOM("about:blank"); err == nil {
		t.Fatal("no error from a missing binary")
	}
}
