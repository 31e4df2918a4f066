package sdkclient_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
	"github.com/approov-cli/approov/internal/sdkclient"
	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/server"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/service"
)

const apiDomain = "api.example.test"

// apiServer is a loopback HTTPS API server whose key can be swapped while
// it serves.
type apiServer struct {
	addr string
	cert atomic.Pointer[tls.Certificate]
}

func serveAPI(t testing.TB, cert tls.Certificate) *apiServer {
	s := &apiServer{}
	s.cert.Store(&cert)
	cfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert.Load(), nil }}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	s.addr = ln.Addr().String()
	return s
}

// keyCert is a leaf for apiDomain from ca with a fresh key.
func keyCert(t testing.TB, ca *pinstest.CA) (tls.Certificate, pins.Pin) {
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{apiDomain}})
	return pinstest.TLSCert(key, leaf), pins.Compute(leaf)
}

// app is what an installed app runs: an HTTP client on the sdkclient's
// pinned transport, every request its own handshake, dialling addr.
func app(c *sdkclient.Client, roots *x509.CertPool, addr string) *http.Client {
	tr := c.Transport(roots)
	tr.DisableKeepAlives = true
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func get(c *http.Client) error {
	resp, err := c.Get("https://" + apiDomain + "/hello")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || string(b) != "ok" {
		return errors.New("bad answer")
	}
	return nil
}

// devClient trusts the instance's --dev certificate.
func devClient(t testing.TB, dir string) *http.Client {
	cert, _, err := server.DevCertificate(dir)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
}

func pinSet(primary pins.Pin, backups ...pins.Pin) *pins.PinSet {
	d := pins.Domain{Name: apiDomain, Pins: []pins.PinEntry{{SHA256: primary, Label: pins.Primary, Type: pins.Leaf}}}
	for _, b := range backups {
		d.Pins = append(d.Pins, pins.PinEntry{SHA256: b, Label: pins.Backup, Type: pins.Leaf})
	}
	return &pins.PinSet{Schema: pins.SchemaVersion, Domains: []pins.Domain{d}}
}

// rig is approovd with an account whose API domain is a loopback server.
type rig struct {
	ctx   context.Context
	b     backend.Backend
	admin backend.Caller
	ca    *pinstest.CA
	api   *apiServer
	url   string // the public configuration endpoint
	fetch *http.Client
	key1  pins.Pin
}

func newRig(t testing.TB) *rig {
	ca := pinstest.NewCA(t, "test root")
	cert1, pin1 := keyCert(t, ca)
	as := serveAPI(t, cert1)
	target, err := pins.ParseTarget(as.addr)
	if err != nil {
		t.Fatal(err)
	}
	live := pins.CheckOptions{Fetch: pins.FetchOptions{Roots: ca.Pool()}, ConnectTo: map[string]pins.Target{apiDomain: target}}
	dir := t.TempDir()
	opts := service.Options{Live: live, Params: backendtest.CheapParams}
	inst := servertest.Start(t, servertest.Options{Dir: dir, Service: opts})
	created := inst.Account(t, opts, "acme")
	b, err := remote.Open(created.Account, created.Fingerprint, remote.Options{URLs: []string{inst.Location()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{ctx: context.Background(), b: b, ca: ca, api: as, key1: pin1, fetch: devClient(t, dir),
		url: inst.URL + "/v1/accounts/" + created.Account + "/sdk-config"}
	r.admin = servertest.Onboard(t, b, created.Invitation.Code)
	return r
}

func (r *rig) push(t *testing.T, set *pins.PinSet, reason string) {
	t.Helper()
	cur, err := backend.Call(r.ctx, r.b, api.OpPinPull, r.admin, api.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Call(r.ctx, r.b, api.OpPinPush, r.admin, api.PinPushRequest{BaseVersion: cur.Version, Set: set, Reason: reason}); err != nil {
		t.Fatalf("push %q: %v", reason, err)
	}
}

// embedded is the configuration an app is built with: after api add.
func (r *rig) embedded(t testing.TB) (api.SDKConfig, sdkclient.Options) {
	t.Helper()
	if _, err := backend.Call(r.ctx, r.b, api.OpAPIAdd, r.admin, api.APIAddRequest{Domain: apiDomain, Pins: pinSet(r.key1).Domains[0].Pins}); err != nil {
		t.Fatal(err)
	}
	sc, err := backend.Call(r.ctx, r.b, api.OpSDKConfig, r.admin, api.SDKConfigRequest{})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := sdkconfig.ParsePublicKey([]byte(sc.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sdkconfig.Verify(sc.Config, pub, sdkconfig.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sc, sdkclient.Options{URL: r.url, PublicKey: pub, Account: c.Account, Initial: sc.Config, HTTP: r.fetch}
}

// traffic sends requests without pause until stop, counting failures.
type traffic struct {
	ok, failed atomic.Int64
	lastErr    atomic.Value
}

func (tr *traffic) run(c *http.Client, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := get(c); err != nil {
			tr.failed.Add(1)
			tr.lastErr.Store(err.Error())
		} else {
			tr.ok.Add(1)
		}
	}
}

func waitVersion(t *testing.T, c *sdkclient.Client, v uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for cur, _ := c.Current(); cur.Version < v; cur, _ = c.Current() {
		if time.Now().After(deadline) {
			t.Fatalf("the app still holds version %d, want %d", cur.Version, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRotationWithoutRelease is the promise of dynamic pinning: the API
// server's key rotates while an app sends requests without pause, and
// not one fails; a man in the middle with a CA-valid certificate but an
// unpinned key is refused all along; an app that never fetched would
// have broken (the test can fail).
func TestRotationWithoutRelease(t *testing.T) {
	r := newRig(t)
	_, opt := r.embedded(t)
	opt.Path = t.TempDir() + "/sdk-config.jwt"
	client, err := sdkclient.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := sdkclient.New(sdkclient.Options{PublicKey: opt.PublicKey, Account: opt.Account, Initial: opt.Initial})
	if err != nil {
		t.Fatal(err)
	}
	mitmCert, _ := keyCert(t, r.ca)
	mitm := serveAPI(t, mitmCert)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var good, bad traffic
	wg.Add(3)
	go good.run(app(client, r.ca.Pool(), r.api.addr), stop, &wg)
	go bad.run(app(client, r.ca.Pool(), mitm.addr), stop, &wg)
	go poll(client, stop, &wg)

	cert2, pin2 := keyCert(t, r.ca)
	_, pin3 := keyCert(t, r.ca)
	time.Sleep(100 * time.Millisecond)
	r.push(t, pinSet(r.key1, pin2), "stage the next key")
	waitVersion(t, client, 2)
	time.Sleep(100 * time.Millisecond)
	r.api.cert.Store(&cert2)
	time.Sleep(100 * time.Millisecond)
	r.push(t, pinSet(pin2, pin3), "retire the old key, stage the one after")
	waitVersion(t, client, 3)
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()

	if n := good.failed.Load(); n != 0 || good.ok.Load() < 20 {
		t.Fatalf("app: %d ok, %d failed (last: %v)", good.ok.Load(), n, good.lastErr.Load())
	}
	if e, _ := bad.lastErr.Load().(string); bad.ok.Load() != 0 || bad.failed.Load() < 10 || !strings.Contains(e, "no pinned key") {
		t.Fatalf("man in the middle: %d accepted, %d refused (last: %v)", bad.ok.Load(), bad.failed.Load(), bad.lastErr.Load())
	}
	if err := get(app(stale, r.ca.Pool(), r.api.addr)); err == nil {
		t.Fatal("an app still on version 1 accepted the new key: the pins are not enforced")
	}
	t.Logf("app: %d requests ok; man in the middle: %d refused", good.ok.Load(), bad.failed.Load())
	reopened, err := sdkclient.New(sdkclient.Options{PublicKey: opt.PublicKey, Account: opt.Account, Initial: opt.Initial, Path: opt.Path})
	if err != nil {
		t.Fatal(err)
	}
	if cur, _ := reopened.Current(); cur.Version != 3 {
		t.Fatalf("after a restart the app holds version %d, want the kept 3", cur.Version)
	}
}

// poll fetches every 50 ms, as the test's app does.
func poll(c *sdkclient.Client, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			c.Fetch(context.Background())
		}
	}
}
