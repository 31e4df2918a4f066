package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
	"github.com/approov-cli/approov/internal/server"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/statuspage"
	"github.com/approov-cli/approov/internal/testtool/chromium"
)

const pageDomain = "api.page.test"

// pageServer is approovd's handler on a monitored account with a status
// page link, over plain HTTP on loopback (for the browser), and the link.
func pageServer(t *testing.T) (*httptest.Server, string, func(op api.Op[api.Empty, api.Empty])) {
	ca := pinstest.NewCA(t, "page test root")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{pageDomain}})
	target, err := pins.ParseTarget(pinstest.ServeTLS(t, key, leaf))
	if err != nil {
		t.Fatal(err)
	}
	opts := cheap
	opts.Live = pins.CheckOptions{Fetch: pins.FetchOptions{Roots: ca.Pool()}, ConnectTo: map[string]pins.Target{pageDomain: target}}
	inst := servertest.Start(t, servertest.Options{Service: opts})
	created := inst.Account(t, opts, "acme")
	hs := httptest.NewServer(server.New(server.Config{Service: service.New(inst.Store, opts)}).Handler())
	t.Cleanup(hs.Close)
	b, err := remote.Open(created.Account, created.Fingerprint, remote.Options{URLs: []string{inst.Location()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := servertest.Onboard(t, b, created.Invitation.Code)
	ctx := t.Context()
	if _, err := backend.Call(ctx, b, api.OpAPIAdd, admin, api.APIAddRequest{Domain: pageDomain,
		Pins: []pins.PinEntry{{SHA256: pins.Compute(leaf), Label: pins.Primary, Type: pins.Leaf}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Call(ctx, b, api.OpMonitoringRun, admin, api.Empty{}); err != nil {
		t.Fatal(err)
	}
	link, err := backend.Call(ctx, b, api.OpMonitoringPageEnable, admin, api.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	return hs, hs.URL + link.Path, func(op api.Op[api.Empty, api.Empty]) {
		if _, err := backend.Call(ctx, b, op, admin, api.Empty{}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStatusPageServed: the link serves the page, uncacheable, under the
// page's CSP; an unknown link and a revoked one answer 404.
func TestStatusPageServed(t *testing.T) {
	hs, url, call := pageServer(t)
	res, body := fetchPage(t, url)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" ||
		res.Header.Get("Content-Security-Policy") != statuspage.ContentSecurityPolicy || !strings.Contains(body, pageDomain) || !strings.Contains(body, "<svg") {
		t.Fatalf("page: %d %v\n%.300s", res.StatusCode, res.Header, body)
	}
	if res, _ := fetchPage(t, hs.URL+"/status/not-a-token"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown link: %d", res.StatusCode)
	}
	call(api.OpMonitoringPageDisable)
	if res, _ := fetchPage(t, url); res.StatusCode != http.StatusNotFound || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("revoked link: %d %v", res.StatusCode, res.Header)
	}
}

// TestStatusPageInChromium: the served page renders in a browser, chart
// included.
func TestStatusPageInChromium(t *testing.T) {
	b := chromium.New(t)
	_, url, _ := pageServer(t)
	dom, err := b.DumpDOM(url)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dom, pageDomain) || !strings.Contains(dom, "<svg") || strings.Contains(dom, "<script") {
		t.Fatalf("DOM:\n%.2000s", dom)
	}
}

func fetchPage(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}
