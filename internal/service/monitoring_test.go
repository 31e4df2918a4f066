package service_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/notify/email"
	"github.com/approov-cli/approov/internal/notify/email/smtptest"
	"github.com/approov-cli/approov/internal/notify/webhook"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
)

// monServer is a loopback TLS server for monitored domains whose
// certificate a test swaps while it runs.
type monServer struct {
	t    *testing.T
	ca   *pinstest.CA
	addr string
	cur  atomic.Pointer[tls.Certificate]
}

func newMonServer(t *testing.T, ca *pinstest.CA) *monServer {
	m := &monServer{t: t, ca: ca}
	m.addr = pinstest.Serve(t, "127.0.0.1:0", &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return m.cur.Load(), nil
	}})
	return m
}

// serve makes the server present key in a leaf for names valid from a
// day before now until notAfter, and returns the key's pin.
func (m *monServer) serve(key crypto.Signer, now, notAfter time.Time, names ...string) pins.Pin {
	leaf, _ := m.ca.Leaf(m.t, pinstest.LeafOptions{Names: names, NotBefore: now.Add(-24 * time.Hour), NotAfter: notAfter, PublicKey: key.Public()})
	c := pinstest.TLSCert(key, leaf)
	m.cur.Store(&c)
	return pins.Compute(leaf)
}

// hookReceiver verifies every delivery's signature and keeps the events.
type hookReceiver struct {
	t      *testing.T
	secret []byte
	now    func() time.Time
	status atomic.Int32 // answered status; 0: 204
	delay  atomic.Int64 // how long to wait before answering
	mu     sync.Mutex
	events []string
}

func (rc *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(rc.secret, r.Header.Get(webhook.SignatureHeader), body, rc.now(), 5*time.Minute); err != nil {
		rc.t.Errorf("delivery with a bad signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if d := time.Duration(rc.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		return
	}
	if s := rc.status.Load(); s != 0 {
		w.WriteHeader(int(s))
		return
	}
	var p struct {
		Events []struct{ Event, Domain string } `json:"events"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("delivery body: %v", err)
	}
	rc.mu.Lock()
	for _, e := range p.Events {
		rc.events = append(rc.events, e.Event+" "+e.Domain)
	}
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *hookReceiver) take() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.events
	rc.events = nil
	return out
}

// caAt is a test root valid from notBefore for ten years: the fake clock
// runs behind the wall clock pinstest's roots start at.
func caAt(t *testing.T, notBefore time.Time) *pinstest.CA {
	key := pinstest.NewKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Monitor Test CA"},
		NotBefore: notBefore, NotAfter: notBefore.Add(10 * 365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &pinstest.CA{Cert: cert, Key: key}
}

// monEnv is a service monitoring domains on one loopback server.
type monEnv struct {
	*harness
	srv   *monServer
	hook  *hookReceiver
	admin backend.Caller
	key   crypto.Signer
}

func newMonEnv(t *testing.T, domains ...string) *monEnv { return newMonEnvWith(t, nil, domains...) }

func newMonEnvWith(t *testing.T, mod func(*service.Options), domains ...string) *monEnv {
	ca := caAt(t, backendtest.NewClock().Now().Add(-30*24*time.Hour))
	srv := newMonServer(t, ca)
	e := &monEnv{srv: srv, key: pinstest.NewKey(t)}
	connect := map[string]pins.Target{}
	for _, d := range domains {
		connect[d] = pins.Target{Host: "127.0.0.1", Port: portOf(t, srv.addr)}
	}
	var clock func() time.Time
	e.harness = newHarness(t, func(o *service.Options) {
		clock = o.Now
		o.Live = pins.CheckOptions{ConnectTo: connect, Fetch: pins.FetchOptions{Roots: ca.Pool(), Now: o.Now}, Timeout: 5 * time.Second}
		o.Webhook = &webhook.Sender{Timeout: 2 * time.Second, Now: o.Now, Sleep: func(context.Context, time.Duration) error { return nil }}
		if mod != nil {
			mod(o)
		}
	})
	e.hook = &hookReceiver{t: t, secret: []byte("0123456789abcdef-hook"), now: clock}
	hs := httptest.NewServer(e.hook)
	t.Cleanup(hs.Close)
	e.enrol()
	var err error
	if e.admin, err = e.login("owner@example.com", role.Admin, "pw-admin"); err != nil {
		t.Fatal(err)
	}
	pin := srv.serve(e.key, e.clock.Now(), e.clock.Now().Add(365*24*time.Hour), domains...)
	for _, d := range domains {
		e.call(api.OpAPIAdd, api.APIAddRequest{Domain: d, Pins: []pins.PinEntry{{SHA256: pin, Label: pins.Primary, Type: pins.Leaf}}})
	}
	url := hs.URL
	e.set(api.MonitoringSetRequest{Webhook: &url, WebhookSecret: e.hook.secret})
	return e
}

func portOf(t *testing.T, addr string) int {
	tg, err := pins.ParseTarget(addr)
	if err != nil {
		t.Fatal(err)
	}
	return tg.Port
}

func (e *monEnv) call(op api.Op[api.APIAddRequest, api.PinPushResult], req api.APIAddRequest) {
	e.t.Helper()
	if _, err := backend.Call(e.ctx, e.b, op, e.admin, req); err != nil {
		e.t.Fatal(err)
	}
}

// caller logs the admin in afresh: the fake clock outruns sessions.
func (e *monEnv) caller() backend.Caller {
	e.t.Helper()
	c, err := e.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *monEnv) set(req api.MonitoringSetRequest) api.MonitoringSettings {
	e.t.Helper()
	out, err := backend.Call(e.ctx, e.b, api.OpMonitoringSet, e.caller(), req)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *monEnv) status() api.MonitoringStatus {
	e.t.Helper()
	out, err := backend.Call(e.ctx, e.b, api.OpMonitoringStatus, e.caller(), api.Empty{})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *monEnv) round(svc *service.Service, owner string) service.RoundStats {
	e.t.Helper()
	st, err := svc.MonitorRound(e.ctx, owner)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func wantEvents(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("notified %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("notified %q, want %q", got, want)
		}
	}
}

// TestMonitorLoop: an unpinned key is noticed at the next interval and
// notified once, reminded after a day, the recovery notified; a
// certificate crossing 14 days left is notified once.
func TestMonitorLoop(t *testing.T) {
	const d = "api.mon.test"
	e := newMonEnv(t, d)
	if st := e.round(e.svc, "a"); st.Checked != 1 || st.Failing != 0 {
		t.Fatalf("first round = %+v", st)
	}
	wantEvents(t, e.hook.take())
	e.srv.serve(pinstest.NewKey(t), e.clock.Now(), e.clock.Now().Add(365*24*time.Hour), d) // an unpinned key
	if st := e.round(e.svc, "a"); st.Checked != 0 {
		t.Fatalf("a round before the interval checked %d domains", st.Checked)
	}
	e.clock.Advance(service.DefaultMonitorInterval)
	if st := e.round(e.svc, "a"); st.Checked != 1 || st.Failing != 1 {
		t.Fatalf("round after the switch = %+v", st)
	}
	wantEvents(t, e.hook.take(), "failing "+d)
	if s := e.status().Domains[0]; s.State != api.MonitorFailing || !s.Since.Equal(e.clock.Now()) || s.Error == "" {
		t.Fatalf("status = %+v", s)
	}
	for range 24*4 - 1 { // the rest of the day: no notification
		e.clock.Advance(service.DefaultMonitorInterval)
		e.round(e.svc, "a")
	}
	wantEvents(t, e.hook.take())
	e.clock.Advance(service.DefaultMonitorInterval)
	e.round(e.svc, "a")
	wantEvents(t, e.hook.take(), "reminder "+d)

	e.srv.serve(e.key, e.clock.Now(), e.clock.Now().Add(20*24*time.Hour), d) // pinned again, 20 days left
	e.clock.Advance(service.DefaultMonitorInterval)
	e.round(e.svc, "a")
	wantEvents(t, e.hook.take(), "recovered "+d, "expiry "+d) // recovered, in the 30-day window
	if s := e.status().Domains[0]; s.State != api.MonitorWarning || len(s.Matched) != 1 {
		t.Fatalf("status = %+v", s)
	}
	e.set(api.MonitoringSetRequest{Interval: 24 * time.Hour})
	var got []string
	for range 10 { // 20 → 10 days left: the 14-day window once
		e.clock.Advance(24 * time.Hour)
		e.round(e.svc, "a")
		got = append(got, e.hook.take()...)
	}
	wantEvents(t, got, "expiry "+d)
}

// TestMonitorWebhookFailureVisible: a receiver answering 500 is retried
// with backoff, and the failed delivery shows in monitoring.status.
func TestMonitorWebhookFailureVisible(t *testing.T) {
	const d = "api.mon.test"
	e := newMonEnv(t, d)
	e.round(e.svc, "a")
	e.hook.status.Store(http.StatusInternalServerError)
	e.srv.serve(pinstest.NewKey(t), e.clock.Now(), e.clock.Now().Add(365*24*time.Hour), d)
	e.clock.Advance(service.DefaultMonitorInterval)
	e.round(e.svc, "a")
	ds := e.status().Deliveries
	if len(ds) != 1 || ds[0].OK || ds[0].Event != "failing" || len(ds[0].Attempts) != 4 || ds[0].Attempts[0].Status != 500 || ds[0].Error == "" {
		t.Fatalf("deliveries = %+v", ds)
	}
	raw, _ := json.Marshal(e.status())
	if bytes.Contains(raw, e.hook.secret) {
		t.Fatal("monitoring.status answers the webhook secret")
	}
}

// TestMonitorTwoInstances: two services on one store check each domain
// once per interval between them; when one stops, even in the middle of
// a check, the other checks all its domains within one interval.
func TestMonitorTwoInstances(t *testing.T) {
	domains := []string{"a.mon.test", "b.mon.test", "c.mon.test", "d.mon.test", "e.mon.test", "f.mon.test"}
	e := newMonEnv(t, domains...)
	other := service.New(e.st, service.Options{Now: e.clock.Now, Live: e.svcLive(t)})
	for i := range 3 {
		var wg sync.WaitGroup
		var checked atomic.Int64
		for _, s := range []struct {
			svc   *service.Service
			owner string
		}{{e.svc, "a"}, {other, "b"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := s.svc.MonitorRound(e.ctx, s.owner)
				if err != nil {
					t.Error(err)
				}
				checked.Add(int64(st.Checked))
			}()
		}
		wg.Wait()
		if checked.Load() != int64(len(domains)) {
			t.Fatalf("interval %d: %d checks for %d domains", i, checked.Load(), len(domains))
		}
		e.clock.Advance(service.DefaultMonitorInterval)
	}
	// Instance a claims every domain and dies before recording a result.
	if n := service.ClaimOnly(e.ctx, e.svc, "acme", "a"); n != len(domains) {
		t.Fatalf("claimed %d", n)
	}
	if st := e.round(other, "b"); st.Checked != 0 {
		t.Fatalf("b checked %d domains leased to a", st.Checked)
	}
	e.clock.Advance(service.DefaultMonitorInterval)
	if st := e.round(other, "b"); st.Checked != len(domains) {
		t.Fatalf("one interval after a died, b checked %d of %d", st.Checked, len(domains))
	}
	h, err := backend.Call(e.ctx, e.b, api.OpMonitoringHistory, e.caller(), api.MonitoringHistoryRequest{Domain: "c.mon.test"})
	if err != nil || len(h) != 4 {
		t.Fatalf("history of c = %d checks, %v; want 4", len(h), err)
	}
}

func (e *monEnv) svcLive(t *testing.T) pins.CheckOptions { return service.LiveOf(e.svc) }

// TestMonitorPageLink: the link is answered once, stored hashed, and a
// revoked or unknown link finds nothing.
func TestMonitorPageLink(t *testing.T) {
	e := newMonEnv(t, "api.mon.test")
	e.round(e.svc, "a")
	link, err := backend.Call(e.ctx, e.b, api.OpMonitoringPageEnable, e.admin, api.Empty{})
	if err != nil || len(link.Token) < 40 || link.Path != "/status/"+link.Token {
		t.Fatalf("page.enable = %+v, %v", link, err)
	}
	p, err := e.svc.StatusPage(e.ctx, link.Token)
	if err != nil || p.Account != "acme" || len(p.Domains) != 1 || len(p.History["api.mon.test"]) != 1 {
		t.Fatalf("StatusPage = %+v, %v", p, err)
	}
	if _, err := e.svc.StatusPage(e.ctx, link.Token+"x"); err != service.ErrNoStatusPage {
		t.Fatalf("unknown token: %v", err)
	}
	if _, err := backend.Call(e.ctx, e.b, api.OpMonitoringPageDisable, e.admin, api.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.StatusPage(e.ctx, link.Token); err != service.ErrNoStatusPage {
		t.Fatalf("revoked token: %v", err)
	}
	if !e.status().Settings.WebhookSecretSet || e.status().Settings.Page {
		t.Fatalf("settings = %+v", e.status().Settings)
	}
}

// TestMonitorEmail: one plain-text message listing every failing domain,
// through an SMTP relay on loopback with STARTTLS and AUTH.
func TestMonitorEmail(t *testing.T) {
	cfg, roots := smtptest.Certificate(t, "127.0.0.1")
	relay := smtptest.Start(t, smtptest.Options{TLS: cfg, Username: "approovd", Password: "relay-pw"})
	e := newMonEnvWith(t, func(o *service.Options) {
		o.Mailer = email.Relay{Addr: relay.Addr, Username: "approovd", Password: "relay-pw", From: "monitor@approov.example",
			StartTLS: true, RootCAs: roots, Timeout: 10 * time.Second}
	}, "a.mon.test", "b.mon.test")
	e.set(api.MonitoringSetRequest{Emails: &[]string{"ops@example.com", "oncall@example.org"}})
	e.round(e.svc, "a")
	e.srv.serve(pinstest.NewKey(t), e.clock.Now(), e.clock.Now().Add(365*24*time.Hour), "a.mon.test", "b.mon.test")
	e.clock.Advance(service.DefaultMonitorInterval)
	e.round(e.svc, "a")
	msgs := relay.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 2 || relay.AuthAttempts() != 1 {
		t.Fatalf("messages = %+v, auths %d", msgs, relay.AuthAttempts())
	}
	for _, want := range []string{"Subject: approov monitoring: 2 failing API domain(s) on acme", "- a.mon.test\r\n", "- b.mon.test\r\n", "Failing now: 2"} {
		if !strings.Contains(msgs[0].Data, want) {
			t.Errorf("message lacks %q:\n%s", want, msgs[0].Data)
		}
	}
	ds := e.status().Deliveries
	if len(ds) != 2 || !ds[0].OK || !ds[1].OK {
		t.Fatalf("deliveries = %+v", ds)
	}
}

// TestMonitorRemovedDomainForgotten: a domain removed from the pin
// configuration loses its state and history at the next round.
func TestMonitorRemovedDomainForgotten(t *testing.T) {
	e := newMonEnv(t, "a.mon.test", "b.mon.test")
	e.round(e.svc, "a")
	if _, err := backend.Call(e.ctx, e.b, api.OpAPIRemove, e.caller(), api.APIRemoveRequest{Domain: "b.mon.test"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(service.DefaultMonitorInterval)
	e.round(e.svc, "a")
	left := 0
	_ = e.st.View(e.ctx, func(tx store.Tx) error {
		return tx.Scan(store.Monitoring, "", "", func(k string, _ []byte) error {
			if strings.Contains(k, "b.mon.test") {
				left++
			}
			return nil
		})
	})
	if left != 0 {
		t.Fatalf("%d records of the removed domain remain", left)
	}
	if h, _ := backend.Call(e.ctx, e.b, api.OpMonitoringHistory, e.caller(), api.MonitoringHistoryRequest{}); len(h) != 2 {
		t.Fatalf("history = %+v, want a.mon.test's 2 checks", h)
	}
}

// TestMonitorWebhookTimeoutRetried: a receiver that does not answer in
// time is retried with backoff, every attempt recorded as timed out.
func TestMonitorWebhookTimeoutRetried(t *testing.T) {
	const d = "api.mon.test"
	var waits []time.Duration
	e := newMonEnvWith(t, func(o *service.Options) {
		o.Webhook.Timeout = 100 * time.Millisecond
		o.Webhook.Sleep = func(_ context.Context, w time.Duration) error { waits = append(waits, w); return nil }
	}, d)
	e.round(e.svc, "a")
	e.hook.delay.Store(int64(2 * time.Second))
	e.srv.serve(pinstest.NewKey(t), e.clock.Now(), e.clock.Now().Add(365*24*time.Hour), d)
	e.clock.Advance(service.DefaultMonitorInterval)
	e.round(e.svc, "a")
	ds := e.status().Deliveries
	if len(ds) != 1 || ds[0].OK || len(ds[0].Attempts) != 4 || ds[0].Attempts[3].Status != 0 || ds[0].Attempts[3].Error == "" {
		t.Fatalf("deliveries = %+v", ds)
	}
	if len(waits) != 3 || waits[1] <= waits[0] || waits[2] <= waits[1] {
		t.Fatalf("backoff waits = %v, want 3 growing ones", waits)
	}
}
