package sdkclient_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
	"github.com/approov-cli/approov/internal/sdkclient"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// endpoint is a fake public endpoint: it serves jwt, signing the
// request's challenge unless wrongSig, and answers 304 to its ETag.
type endpoint struct {
	mu       sync.Mutex
	key      *ecdsa.PrivateKey
	jwt      string
	version  uint64
	wrongSig bool
	body     func(string) string // alters the body in flight
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch, _ := base64.RawURLEncoding.DecodeString(r.Header.Get(sdkclient.HeaderChallenge))
	if e.wrongSig {
		ch = []byte("0123456789abcdef-another-challenge")
	}
	sig, err := sdkconfig.SignChallenge(e.key, ch, e.jwt)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	w.Header().Set(sdkclient.HeaderChallengeSig, base64.RawURLEncoding.EncodeToString(sig))
	if r.Header.Get("If-None-Match") == sdkconfig.ETag(e.version, e.jwt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := e.jwt
	if e.body != nil {
		body = e.body(body)
	}
	w.Write([]byte(body))
}

func (e *endpoint) set(jwt string, v uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.jwt, e.version = jwt, v
}

func sign(t *testing.T, key *ecdsa.PrivateKey, account string, v uint64, ds ...sdkconfig.Domain) string {
	t.Helper()
	jwt, err := sdkconfig.Sign(key, sdkconfig.Config{Account: account, Version: v, IssuedAt: time.Unix(1800000000, 0).UTC(), Domains: ds})
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	key, err := sdkconfig.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

type fixture struct {
	key  *ecdsa.PrivateKey
	ep   *endpoint
	c    *sdkclient.Client
	path string
}

// newFixture: a client holding version 2 of account acme.
func newFixture(t *testing.T) *fixture {
	key := newKey(t)
	v2 := sign(t, key, "acme", 2)
	ep := &endpoint{key: key, jwt: v2, version: 2}
	srv := httptest.NewServer(ep)
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "config.jwt")
	c, err := sdkclient.New(sdkclient.Options{URL: srv.URL, PublicKey: &key.PublicKey, Account: "acme", Initial: v2, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{key: key, ep: ep, c: c, path: path}
}

func (f *fixture) version() uint64 { cur, _ := f.c.Current(); return cur.Version }

func TestFetch(t *testing.T) {
	other := newKey(t)
	tests := []struct {
		name    string
		setup   func(t *testing.T, f *fixture)
		updated bool
		want    uint64 // the version held after
		errText string
		errIs   error
	}{
		{"unchanged: 304 with a valid challenge signature", func(t *testing.T, f *fixture) {}, false, 2, "", nil},
		{"newer version adopted", func(t *testing.T, f *fixture) { f.ep.set(sign(t, f.key, "acme", 3), 3) }, true, 3, "", nil},
		{"rollback refused", func(t *testing.T, f *fixture) { f.ep.set(sign(t, f.key, "acme", 1), 1) }, false, 2, "", sdkconfig.ErrRollback},
		{"wrong account refused", func(t *testing.T, f *fixture) { f.ep.set(sign(t, f.key, "other", 3), 3) }, false, 2, "", sdkconfig.ErrWrongAccount},
		{"another key refused", func(t *testing.T, f *fixture) { f.ep.set(sign(t, other, "acme", 3), 3) }, false, 2, "another key", nil},
		{"tampered body refused", func(t *testing.T, f *fixture) {
			f.ep.set(sign(t, f.key, "acme", 3), 3)
			f.ep.body = func(s string) string { return s[:len(s)-3] + "AAA" }
		}, false, 2, "", nil},
		{"answer to another challenge refused", func(t *testing.T, f *fixture) {
			f.ep.set(sign(t, f.key, "acme", 3), 3)
			f.ep.wrongSig = true
		}, false, 2, "challenge signature", nil},
		{"304 to another challenge refused", func(t *testing.T, f *fixture) { f.ep.wrongSig = true }, false, 2, "challenge signature", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.setup(t, f)
			updated, err := f.c.Fetch(context.Background())
			wantErr := tt.errText != "" || tt.errIs != nil || strings.Contains(tt.name, "refused")
			if (err != nil) != wantErr || (tt.errIs != nil && !errors.Is(err, tt.errIs)) || (tt.errText != "" && !strings.Contains(err.Error(), tt.errText)) {
				t.Fatalf("Fetch: %v", err)
			}
			if updated != tt.updated || f.version() != tt.want {
				t.Fatalf("updated %v, version %d; want %v, %d", updated, f.version(), tt.updated, tt.want)
			}
			kept, _ := os.ReadFile(f.path)
			if _, jwt := f.c.Current(); tt.updated != (strings.TrimSpace(string(kept)) == jwt) {
				t.Fatalf("kept file %q, held %q", kept, jwt)
			}
		})
	}
}

// A kept newer configuration wins over the embedded one; an older or
// damaged kept file does not.
func TestNewKept(t *testing.T) {
	key := newKey(t)
	path := filepath.Join(t.TempDir(), "config.jwt")
	opt := sdkclient.Options{PublicKey: &key.PublicKey, Account: "acme", Initial: sign(t, key, "acme", 2), Path: path}
	for _, tt := range []struct {
		kept string
		want uint64
	}{{sign(t, key, "acme", 5), 5}, {sign(t, key, "acme", 1), 2}, {"garbage", 2}, {sign(t, newKey(t), "acme", 9), 2}} {
		os.WriteFile(path, []byte(tt.kept), 0o600)
		c, err := sdkclient.New(opt)
		if err != nil {
			t.Fatal(err)
		}
		if cur, _ := c.Current(); cur.Version != tt.want {
			t.Fatalf("kept %.20q: version %d, want %d", tt.kept, cur.Version, tt.want)
		}
	}
	if _, err := sdkclient.New(sdkclient.Options{PublicKey: &key.PublicKey, Account: "other", Initial: opt.Initial}); !errors.Is(err, sdkconfig.ErrWrongAccount) {
		t.Fatalf("an embedded configuration of another account: %v", err)
	}
}

func TestVerifyConnection(t *testing.T) {
	ca := pinstest.NewCA(t, "root")
	inter := ca.Intermediate(t, "intermediate")
	leaf, _ := inter.Leaf(t, pinstest.LeafOptions{Names: []string{"api.example.test"}})
	other, _ := inter.Leaf(t, pinstest.LeafOptions{Names: []string{"api.example.test"}})
	chain := []*x509.Certificate{leaf, inter.Cert, ca.Cert}
	pin, interPin := pins.Compute(leaf), pins.Compute(inter.Cert)
	dom := func(name string, sub bool, expires string, ps ...pins.Pin) sdkconfig.Domain {
		return sdkconfig.Domain{Name: name, Pinning: true, IncludeSubdomains: sub, Expires: expires, Pins: ps}
	}
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	tests := []struct {
		name     string
		host     string
		domains  []sdkconfig.Domain
		disabled bool
		served   *x509.Certificate
		ok       bool
	}{
		{"pinned leaf", "api.example.test", []sdkconfig.Domain{dom("api.example.test", false, "", pin)}, false, leaf, true},
		{"pinned intermediate", "api.example.test", []sdkconfig.Domain{dom("api.example.test", false, "", interPin)}, false, other, true},
		{"unpinned key, CA-valid", "api.example.test", []sdkconfig.Domain{dom("api.example.test", false, "", pin)}, false, other, false},
		{"subdomain covered", "v2.api.example.test", []sdkconfig.Domain{dom("api.example.test", true, "", pin)}, false, other, false},
		{"subdomain covered, pinned", "v2.api.example.test", []sdkconfig.Domain{dom("api.example.test", true, "", pin)}, false, leaf, true},
		{"subdomain not covered", "v2.api.example.test", []sdkconfig.Domain{dom("api.example.test", false, "", pin)}, false, other, true},
		{"suffix is not a subdomain", "badapi.example.test", []sdkconfig.Domain{dom("api.example.test", true, "", pin)}, false, other, true},
		{"own entry wins over parent", "v2.api.example.test", []sdkconfig.Domain{dom("api.example.test", true, "", pin), {Name: "v2.api.example.test"}}, false, other, true},
		{"host not configured", "www.example.test", []sdkconfig.Domain{dom("api.example.test", true, "", pin)}, false, other, true},
		{"expired pins", "api.example.test", []sdkconfig.Domain{dom("api.example.test", false, "2020-01-01", pin)}, false, other, true},
		{"pins expiring tomorrow", "api.example.test", []sdkconfig.Domain{dom("api.example.test", false, tomorrow, pin)}, false, other, false},
		{"pinning disabled", "api.example.test", []sdkconfig.Domain{dom("api.example.test", false, "", pin)}, true, other, true},
		{"host name case and final dot", "API.example.test.", []sdkconfig.Domain{dom("api.example.test", false, "", pin)}, false, other, false},
	}
	key := newKey(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jwt, err := sdkconfig.Sign(key, sdkconfig.Config{Account: "acme", Version: 1, IssuedAt: time.Unix(1800000000, 0).UTC(), Domains: tt.domains, PinningDisabled: tt.disabled})
			if err != nil {
				t.Fatal(err)
			}
			c, err := sdkclient.New(sdkclient.Options{PublicKey: &key.PublicKey, Account: "acme", Initial: jwt})
			if err != nil {
				t.Fatal(err)
			}
			cs := tls.ConnectionState{ServerName: tt.host, VerifiedChains: [][]*x509.Certificate{{tt.served, chain[1], chain[2]}}}
			if err := c.VerifyConnection(cs); (err == nil) != tt.ok {
				t.Fatalf("VerifyConnection = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
