package pins_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
)

// pkiServer is a root, an intermediate and a leaf for one name, served on loopback.
type pkiServer struct {
	root, inter *pinstest.CA
	leaf        *x509.Certificate
	addr        string
}

func newPKIServer(t *testing.T, name string, extra ...*x509.Certificate) pkiServer {
	t.Helper()
	root := pinstest.NewCA(t, "Check Root")
	inter := root.Intermediate(t, "Check Intermediate")
	leaf, key := inter.Leaf(t, pinstest.LeafOptions{Names: []string{name}})
	chain := append([]*x509.Certificate{leaf, inter.Cert}, extra...)
	cfg := &tls.Config{Certificates: []tls.Certificate{pinstest.TLSCert(key, chain...)}}
	return pkiServer{root: root, inter: inter, leaf: leaf, addr: pinstest.Serve(t, "127.0.0.1:0", cfg)}
}

func entry(p pins.Pin, label pins.Label, typ pins.Position) pins.PinEntry {
	return pins.PinEntry{SHA256: p, Label: label, Type: typ}
}

func checkOne(t *testing.T, s pkiServer, d pins.Domain) pins.DomainResult {
	t.Helper()
	set := &pins.PinSet{Schema: 1, Domains: []pins.Domain{d}}
	opts := pins.CheckOptions{Fetch: fastOpts(s.root), ConnectTo: map[string]pins.Target{d.Name: target(t, s.addr)}}
	return pins.Check(context.Background(), set, opts)[0]
}

func TestCheck(t *testing.T) {
	const name = "api.pins.test"
	s := newPKIServer(t, name)
	unrelated := mustParse(t, goodPin)
	leafPin, interPin := pins.Compute(s.leaf), pins.Compute(s.inter.Cert)
	tests := []struct {
		name     string
		pins     []pins.PinEntry
		ok       bool
		matched  pins.Position
		label    pins.Label
		warnings []string
	}{
		{"leaf primary", []pins.PinEntry{entry(leafPin, pins.Primary, pins.Leaf), entry(unrelated, pins.Backup, pins.Leaf)}, true, pins.Leaf, pins.Primary, nil},
		{"intermediate only (P10)", []pins.PinEntry{entry(unrelated, pins.Primary, pins.Leaf), entry(interPin, pins.Primary, pins.Intermediate)}, true, pins.Intermediate, pins.Primary, []string{"no pin labelled backup"}},
		{"only backup", []pins.PinEntry{entry(unrelated, pins.Primary, pins.Leaf), entry(leafPin, pins.Backup, pins.Leaf)}, true, pins.Leaf, pins.Backup, []string{"only a backup pin"}},
		{"single pin", []pins.PinEntry{entry(interPin, pins.Primary, pins.Intermediate)}, true, pins.Intermediate, pins.Primary, []string{"single pin"}},
		{"mismatch", []pins.PinEntry{entry(unrelated, pins.Primary, pins.Leaf), entry(pins.Pin{1}, pins.Backup, pins.Leaf)}, false, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := checkOne(t, s, pins.Domain{Name: name, Pins: tt.pins})
			if r.OK != tt.ok {
				t.Fatalf("ok = %v, error %q", r.OK, r.Error)
			}
			warns := strings.Join(r.Warnings, "\n")
			for _, w := range tt.warnings {
				if !strings.Contains(warns, w) {
					t.Errorf("warnings %q lack %q", warns, w)
				}
			}
			if !tt.ok {
				if fault.KindOf(r.Err) != fault.Network || !strings.Contains(r.Error, "no pin of api.pins.test matches the verified chain") {
					t.Errorf("error %v (kind %v)", r.Err, fault.KindOf(r.Err))
				}
				return
			}
			m := r.Addresses[0].Matched
			if m.Position != tt.matched || m.Label != tt.label {
				t.Errorf("matched %+v", m)
			}
		})
	}
}

// P11: the pinned certificate sent beside a chain that verifies without it
// must not count: only the verified chain is matched (OkHttp CVE-2016-2402).
func TestCheckIgnoresUnverifiedExtras(t *testing.T) {
	rogue := pinstest.NewCA(t, "Pinned But Unrelated")
	s := newPKIServer(t, "api.pins.test", rogue.Cert)
	r := checkOne(t, s, pins.Domain{Name: "api.pins.test", Pins: []pins.PinEntry{
		entry(pins.Compute(rogue.Cert), pins.Primary, pins.Root), entry(mustParse(t, goodPin), pins.Backup, pins.Leaf)}})
	if r.OK {
		t.Fatalf("matched a certificate outside the verified chain: %+v", r.Addresses)
	}
}

func TestCheckWarnsExpiries(t *testing.T) {
	root := pinstest.NewCA(t, "Root")
	leaf, key := root.Leaf(t, pinstest.LeafOptions{Names: []string{"soon.pins.test"}, NotAfter: time.Now().Add(10 * 24 * time.Hour)})
	addr := pinstest.Serve(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pinstest.TLSCert(key, leaf)}})
	d := pins.Domain{Name: "soon.pins.test", Expires: time.Now().AddDate(0, 0, 5).Format(time.DateOnly),
		Pins: []pins.PinEntry{entry(pins.Compute(leaf), pins.Primary, pins.Leaf), entry(pins.Compute(root.Cert), pins.Backup, pins.Root)}}
	r := checkOne(t, pkiServer{root: root, addr: addr}, d)
	warns := strings.Join(r.Warnings, "\n")
	if !r.OK || !strings.Contains(warns, "leaf certificate expires on") || !strings.Contains(warns, "pin set expires on") {
		t.Errorf("ok %v, warnings %q", r.OK, warns)
	}
}

// T5: two addresses of one name serving different keys are both reported and flagged.
func TestCheckAddressesDisagree(t *testing.T) {
	ca := pinstest.NewCA(t, "Root")
	leaf1, key1 := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"split.pins.test"}})
	a1 := pinstest.Serve(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pinstest.TLSCert(key1, leaf1)}})
	_, port, _ := net.SplitHostPort(a1)
	if ln, err := net.Listen("tcp", "127.0.0.2:"+port); err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	} else {
		ln.Close()
	}
	leaf2, key2 := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"split.pins.test"}})
	pinstest.Serve(t, "127.0.0.2:"+port, &tls.Config{Certificates: []tls.Certificate{pinstest.TLSCert(key2, leaf2)}})
	fo := fastOpts(ca)
	fo.Lookup = lookup(map[string][]string{"split.pins.test": {"127.0.0.1", "127.0.0.2"}})
	set := &pins.PinSet{Schema: 1, Domains: []pins.Domain{{Name: "split.pins.test",
		Pins: []pins.PinEntry{entry(pins.Compute(leaf1), pins.Primary, pins.Leaf), entry(pins.Compute(ca.Cert), pins.Backup, pins.Root)}}}}
	r := pins.Check(context.Background(), set, pins.CheckOptions{Fetch: fo,
		ConnectTo: map[string]pins.Target{"split.pins.test": {Host: "split.pins.test", Port: atoi(t, port)}}})[0]
	if !r.OK || len(r.Addresses) != 2 {
		t.Fatalf("result %+v", r)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "2 addresses serve 2 different leaf keys") {
		t.Errorf("warnings %q", r.Warnings)
	}
	labels := []pins.Label{r.Addresses[0].Matched.Label, r.Addresses[1].Matched.Label}
	if labels[0] == labels[1] {
		t.Errorf("both addresses matched %s: want primary on one, the root backup on the other", labels[0])
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	tg, err := pins.ParseTarget("x.test:" + s)
	if err != nil {
		t.Fatal(err)
	}
	return tg.Port
}

// Domains are checked concurrently, never more than opts.Concurrency at once.
func TestCheckConcurrencyBound(t *testing.T) {
	ca := pinstest.NewCA(t, "Root")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"*.pins.test"}})
	var mu sync.Mutex
	active, peak := 0, 0
	cfg := &tls.Config{Certificates: []tls.Certificate{pinstest.TLSCert(key, leaf)},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			mu.Lock()
			active++
			peak = max(peak, active)
			mu.Unlock()
			time.Sleep(300 * time.Millisecond)
			mu.Lock()
			active--
			mu.Unlock()
			return nil, nil
		}}
	addr := target(t, pinstest.Serve(t, "127.0.0.1:0", cfg))
	set := &pins.PinSet{Schema: 1}
	opts := pins.CheckOptions{Fetch: fastOpts(ca), Concurrency: 3, ConnectTo: map[string]pins.Target{}}
	for i := 0; i < 9; i++ {
		name := fmt.Sprintf("d%d.pins.test", i)
		opts.ConnectTo[name] = addr
		set.Domains = append(set.Domains, pins.Domain{Name: name, Pins: []pins.PinEntry{entry(pins.Compute(leaf), pins.Primary, pins.Leaf)}})
	}
	for _, r := range pins.Check(context.Background(), set, opts) {
		if !r.OK {
			t.Fatal(r.Error)
		}
	}
	if peak > 3 || peak < 2 { // 2 only if the machine is too loaded to start three in 300 ms
		t.Errorf("peak concurrency %d, want 3", peak)
	}
}
