package sdkclient_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/sdkclient"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// recorded is an answer of the public endpoint as a proxy keeps it.
type recorded struct {
	status int
	header http.Header
	body   []byte
}

func record(t *testing.T, c *http.Client, url string, h http.Header) recorded {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header = h
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return recorded{resp.StatusCode, resp.Header.Clone(), body}
}

func challengeHeader() http.Header {
	ch := make([]byte, 32)
	rand.Read(ch)
	return http.Header{sdkclient.HeaderChallenge: {base64.RawURLEncoding.EncodeToString(ch)}}
}

// A man in the middle that replays an earlier 200 answer, with the
// challenge signature it carried, is refused by a client that challenges:
// both by a client holding that version (the signature is not over its
// challenge) and, through the version, by one holding a newer one.
func TestReplayedConfigurationRefused(t *testing.T) {
	r := newRig(t)
	_, opt := r.embedded(t)
	old := record(t, r.fetch, r.url, challengeHeader())
	if old.status != 200 || old.header.Get(sdkclient.HeaderChallengeSig) == "" {
		t.Fatalf("recorded answer: %d %v", old.status, old.header)
	}
	_, pin2 := keyCert(t, r.ca)
	r.push(t, pinSet(r.key1, pin2), "stage the next key")

	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range old.header {
			w.Header()[k] = v
		}
		w.WriteHeader(old.status)
		w.Write(old.body)
	}))
	defer proxy.Close()
	replayed := opt
	replayed.URL, replayed.HTTP = proxy.URL, nil
	c, err := sdkclient.New(replayed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(context.Background()); err == nil || !strings.Contains(err.Error(), "challenge signature does not verify") {
		t.Fatalf("replayed answer to a client on version 1: %v, want the challenge refused", err)
	}
	direct, _ := sdkclient.New(opt)
	if updated, err := direct.Fetch(context.Background()); err != nil || !updated {
		t.Fatalf("direct fetch: %v %v", updated, err)
	}
	newer := replayed
	_, newer.Initial = direct.Current()
	c2, _ := sdkclient.New(newer)
	if _, err := c2.Fetch(context.Background()); !errors.Is(err, sdkconfig.ErrRollback) {
		t.Fatalf("replayed version 1 to a client on version 2: %v, want a rollback", err)
	}
}

// The endpoint's wire: ETag and Cache-Control, 304 to If-None-Match (with
// a challenge signature over the configuration held), 404 alike for an
// unknown account and one without a configuration, 400 for a bad challenge.
func TestPublicEndpointWire(t *testing.T) {
	r := newRig(t)
	none := record(t, r.fetch, r.url, http.Header{})
	unknown := record(t, r.fetch, strings.Replace(r.url, "/accounts/", "/accounts/x", 1), http.Header{})
	if none.status != 404 || unknown.status != 404 || !bytes.Equal(none.body, unknown.body) {
		t.Fatalf("no configuration: %d %q; unknown account: %d %q", none.status, none.body, unknown.status, unknown.body)
	}
	sc, opt := r.embedded(t)
	got := record(t, r.fetch, r.url, http.Header{})
	etag := sdkconfig.ETag(sc.Version, sc.Config)
	if got.status != 200 || string(got.body) != sc.Config || got.header.Get("ETag") != etag ||
		got.header.Get("Cache-Control") != "public, max-age=30, must-revalidate" || got.header.Get("Content-Type") != "application/approov-sdk-config+jwt" {
		t.Fatalf("plain fetch: %d %v %q", got.status, got.header, got.body)
	}
	h := challengeHeader()
	h.Set("If-None-Match", etag)
	nm := record(t, r.fetch, r.url, h)
	ch, _ := base64.RawURLEncoding.DecodeString(h.Get(sdkclient.HeaderChallenge))
	sig, _ := base64.RawURLEncoding.DecodeString(nm.header.Get(sdkclient.HeaderChallengeSig))
	if nm.status != 304 || len(nm.body) != 0 || nm.header.Get("Cache-Control") != "no-store" ||
		sdkconfig.VerifyChallenge(opt.PublicKey, ch, sc.Config, sig) != nil {
		t.Fatalf("304 with a challenge: %d %v", nm.status, nm.header)
	}
	for _, bad := range []string{"short", "====", strings.Repeat("A", 100)} {
		if got := record(t, r.fetch, r.url, http.Header{sdkclient.HeaderChallenge: {bad}}); got.status != 400 {
			t.Fatalf("challenge %q: %d", bad, got.status)
		}
	}
}
