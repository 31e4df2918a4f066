package pins_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
)

// fastOpts are deadlines short enough for hostile cases to end quickly, long
// enough for honest handshakes on a loaded CI machine under -race.
func fastOpts(ca *pinstest.CA) pins.FetchOptions {
	o := pins.FetchOptions{DialTimeout: 5 * time.Second, HandshakeTimeout: 4 * time.Second}
	if ca != nil {
		o.Roots = ca.Pool()
	}
	return o
}

func target(t *testing.T, addr string) pins.Target {
	t.Helper()
	tg, err := pins.ParseTarget(addr)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func serveLeaf(t *testing.T, ca *pinstest.CA, addr string, opts pinstest.LeafOptions) (string, *x509.Certificate) {
	t.Helper()
	leaf, key := ca.Leaf(t, opts)
	cfg := &tls.Config{Certificates: []tls.Certificate{pinstest.TLSCert(key, leaf)}}
	return pinstest.Serve(t, addr, cfg), leaf
}

func TestFetchVerifiedChain(t *testing.T) {
	root := pinstest.NewCA(t, "Test Root")
	inter := root.Intermediate(t, "Test Intermediate")
	leaf, key := inter.Leaf(t, pinstest.LeafOptions{Names: []string{"127.0.0.1"}})
	// Sent in the wrong order, with a duplicate: verification rebuilds the path.
	cfg := &tls.Config{Certificates: []tls.Certificate{pinstest.TLSCert(key, leaf, inter.Cert, inter.Cert)}}
	addr := pinstest.Serve(t, "127.0.0.1:0", cfg)
	eps, err := pins.Fetch(context.Background(), target(t, addr), fastOpts(root))
	if err != nil {
		t.Fatal(err)
	}
	chain := eps[0].Chain
	if len(chain) != 3 || !eps[0].Verified || eps[0].TLSVersion != "TLS 1.3" {
		t.Fatalf("endpoint %+v", eps[0])
	}
	wantPos := []pins.Position{pins.Leaf, pins.Intermediate, pins.Root}
	wantPin := []pins.Pin{pins.Compute(leaf), pins.Compute(inter.Cert), pins.Compute(root.Cert)}
	for i := range chain {
		if chain[i].Position != wantPos[i] || chain[i].Pin != wantPin[i] {
			t.Errorf("chain[%d] = %s %s, want %s %s", i, chain[i].Position, chain[i].Pin, wantPos[i], wantPin[i])
		}
	}
}

func TestFetchIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback on this machine")
	}
	ln.Close()
	ca := pinstest.NewCA(t, "Test Root")
	addr, leaf := serveLeaf(t, ca, "[::1]:0", pinstest.LeafOptions{Names: []string{"::1"}})
	eps, err := pins.Fetch(context.Background(), target(t, "https://"+addr+"/path"), fastOpts(ca))
	if err != nil {
		t.Fatal(err)
	}
	if eps[0].Address != addr || eps[0].Chain[0].Pin != pins.Compute(leaf) {
		t.Errorf("endpoint %+v", eps[0])
	}
}

// lookup resolves test names to fixed addresses.
func lookup(m map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, s := range m[host] {
			out = append(out, netip.MustParseAddr(s))
		}
		if out == nil {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return out, nil
	}
}

func TestFetchSNI(t *testing.T) {
	ca := pinstest.NewCA(t, "Test Root")
	certs := map[string]*tls.Certificate{}
	leaves := map[string]*x509.Certificate{}
	for _, name := range []string{"a.pins.test", "b.pins.test"} {
		leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{name}})
		c := pinstest.TLSCert(key, leaf)
		certs[name], leaves[name] = &c, leaf
	}
	cfg := &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		if c := certs[h.ServerName]; c != nil {
			return c, nil
		}
		return nil, errors.New("unknown name")
	}}
	addr := pinstest.Serve(t, "127.0.0.1:0", cfg)
	_, port, _ := net.SplitHostPort(addr)
	opts := fastOpts(ca)
	opts.Lookup = lookup(map[string][]string{"a.pins.test": {"127.0.0.1"}, "b.pins.test": {"127.0.0.1"}})
	for name, leaf := range leaves {
		eps, err := pins.Fetch(context.Background(), target(t, name+":"+port), opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if eps[0].Chain[0].Pin != pins.Compute(leaf) || eps[0].ServerName != name {
			t.Errorf("%s: got the certificate of %s", name, eps[0].Chain[0].Subject)
		}
	}
	// --servername: dial one name, present and verify another.
	opts.ServerName = "b.pins.test"
	eps, err := pins.Fetch(context.Background(), target(t, "a.pins.test:"+port), opts)
	if err != nil || eps[0].Chain[0].Pin != pins.Compute(leaves["b.pins.test"]) {
		t.Errorf("servername override: %v", err)
	}
}

func TestFetchEveryAddress(t *testing.T) {
	ca := pinstest.NewCA(t, "Test Root")
	a1, _ := serveLeaf(t, ca, "127.0.0.1:0", pinstest.LeafOptions{Names: []string{"multi.pins.test"}})
	_, port, _ := net.SplitHostPort(a1)
	ln, err := net.Listen("tcp", "127.0.0.2:"+port)
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2:%s: %v", port, err)
	}
	ln.Close()
	serveLeaf(t, ca, "127.0.0.2:"+port, pinstest.LeafOptions{Names: []string{"multi.pins.test"}})
	opts := fastOpts(ca)
	opts.Lookup = lookup(map[string][]string{"multi.pins.test": {"127.0.0.1", "127.0.0.2", "::ffff:127.0.0.1"}})
	eps, err := pins.Fetch(context.Background(), target(t, "multi.pins.test:"+port), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 2 || eps[0].Address == eps[1].Address || eps[0].Chain[0].Pin == eps[1].Chain[0].Pin {
		t.Errorf("want two addresses with different leaves, got %+v", eps)
	}
}

func TestFetchInsecure(t *testing.T) {
	other := pinstest.NewCA(t, "Unknown Root")
	addr, leaf := serveLeaf(t, other, "127.0.0.1:0", pinstest.LeafOptions{Names: []string{"127.0.0.1"}})
	opts := fastOpts(pinstest.NewCA(t, "Test Root"))
	if _, err := pins.Fetch(context.Background(), target(t, addr), opts); !errors.Is(err, pins.ErrNotVerified) {
		t.Fatalf("unverified chain accepted: %v", err)
	}
	opts.Insecure = true
	eps, err := pins.Fetch(context.Background(), target(t, addr), opts)
	if err != nil {
		t.Fatal(err)
	}
	if eps[0].Verified || eps[0].Chain[0].Pin != pins.Compute(leaf) {
		t.Errorf("insecure endpoint %+v", eps[0])
	}
}

func TestFetchHostile(t *testing.T) {
	ca := pinstest.NewCA(t, "Test Root")
	for _, tc := range pinstest.HostileServers {
		t.Run(tc.Name, func(t *testing.T) {
			addr := tc.Start(t, ca)
			opts := fastOpts(ca)
			start := time.Now()
			eps, err := pins.Fetch(context.Background(), target(t, addr), opts)
			elapsed := time.Since(start)
			if err == nil {
				t.Fatalf("no error; endpoints %+v", eps)
			}
			t.Logf("%s after %s", err, elapsed.Round(time.Millisecond))
			if fault.KindOf(err) != fault.Network {
				t.Errorf("kind %v, want network", fault.KindOf(err))
			}
			if !strings.Contains(err.Error(), tc.Reason) || strings.Contains(err.Error(), "\n") {
				t.Errorf("reason %q, want one line with %q", err, tc.Reason)
			}
			if limit := opts.DialTimeout + opts.HandshakeTimeout + time.Second; elapsed > limit {
				t.Errorf("took %s, deadline %s", elapsed, limit)
			}
		})
	}
}

func TestFetchOverallDeadline(t *testing.T) {
	addr := pinstest.Tarpit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	opts := pins.FetchOptions{HandshakeTimeout: time.Minute}
	start := time.Now()
	_, err := pins.Fetch(ctx, target(t, addr), opts)
	if err == nil || !strings.Contains(err.Error(), "overall deadline") || time.Since(start) > 2*time.Second {
		t.Errorf("err %v after %s", err, time.Since(start))
	}
}

func TestFetchResolveFailure(t *testing.T) {
	opts := pins.FetchOptions{Lookup: lookup(nil)}
	_, err := pins.Fetch(context.Background(), target(t, "nowhere.pins.test"), opts)
	if fault.KindOf(err) != fault.Network || !strings.Contains(err.Error(), "cannot resolve nowhere.pins.test: no such host") {
		t.Errorf("err %v", err)
	}
}
