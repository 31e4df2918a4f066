package pinstest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"testing"
	"time"
)

// Hostile is a misbehaving server and the words its failure must contain.
type Hostile struct {
	Name   string
	Start  func(t testing.TB, ca *CA) string // returns host:port on 127.0.0.1
	Reason string
}

// HostileServers lists the hostile cases of issue 4: each must end within the
// client's deadlines, with a network error naming the reason. Servers that
// present certificates name 127.0.0.1 (unless wrong on purpose) and chain to ca.
var HostileServers = []Hostile{
	{"never answers", func(t testing.TB, _ *CA) string { return Tarpit(t) }, "no TLS handshake within"},
	{"resets", func(t testing.TB, _ *CA) string { return Resetter(t) }, "reset"},
	{"not TLS", func(t testing.TB, _ *CA) string { return Garbage(t) }, "does not speak TLS"},
	{"refused", func(t testing.TB, _ *CA) string { return ClosedPort(t) }, "connection refused"},
	{"100-certificate chain", LongChain, "100 certificates"},
	{"huge RSA key", HugeKey, "over 8192 bits"},
	{"expired leaf", func(t testing.TB, ca *CA) string {
		return ServeLeaf(t, ca, LeafOptions{Names: []string{"127.0.0.1"},
			NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
	}, "expired"},
	{"not-yet-valid leaf", func(t testing.TB, ca *CA) string {
		return ServeLeaf(t, ca, LeafOptions{Names: []string{"127.0.0.1"},
			NotBefore: time.Now().Add(24 * time.Hour), NotAfter: time.Now().Add(48 * time.Hour)})
	}, "not yet valid"},
	{"no certificate", func(t testing.TB, _ *CA) string {
		return Serve(t, "127.0.0.1:0", &tls.Config{})
	}, "aborted the TLS handshake"},
	{"wrong-host leaf", func(t testing.TB, ca *CA) string {
		return ServeLeaf(t, ca, LeafOptions{Names: []string{"other.pins.test"}})
	}, "is for other.pins.test, not 127.0.0.1"},
	{"unknown authority", func(t testing.TB, _ *CA) string {
		return ServeLeaf(t, NewCA(t, "Rogue"), LeafOptions{Names: []string{"127.0.0.1"}})
	}, "unknown authority"},
	{"huge certificate, wrong host", func(t testing.TB, ca *CA) string {
		names := make([]string, 5000)
		for i := range names {
			names[i] = fmt.Sprintf("name-%04d.elsewhere.test", i)
		}
		return ServeLeaf(t, ca, LeafOptions{Names: names})
	}, "and 4997 more"},
	{"TLS 1.0 only", func(t testing.TB, ca *CA) string {
		leaf, key := ca.Leaf(t, LeafOptions{Names: []string{"127.0.0.1"}})
		return Serve(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{TLSCert(key, leaf)},
			MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10})
	}, "older than 1.2"},
}

// ServeLeaf serves a fresh leaf of ca on 127.0.0.1.
func ServeLeaf(t testing.TB, ca *CA, opts LeafOptions) string {
	t.Helper()
	leaf, key := ca.Leaf(t, opts)
	return Serve(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{TLSCert(key, leaf)}})
}

// ClosedPort returns a loopback address nobody listens on.
func ClosedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// LongChain serves a leaf under 99 intermediates: 100 certificates.
func LongChain(t testing.TB, ca *CA) string {
	t.Helper()
	var chain []*x509.Certificate
	cur := ca
	for i := 0; i < 99; i++ {
		cur = cur.Intermediate(t, "Intermediate")
		chain = append([]*x509.Certificate{cur.Cert}, chain...)
	}
	leaf, key := cur.Leaf(t, LeafOptions{Names: []string{"127.0.0.1"}})
	cert := TLSCert(key, append([]*x509.Certificate{leaf}, chain...)...)
	return Serve(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
}

// HugeKey serves a leaf certifying an RSA-16384 key. The handshake key does
// not match it: a client must refuse the certificate before any signature check.
func HugeKey(t testing.TB, ca *CA) string {
	t.Helper()
	leaf, _ := ca.Leaf(t, LeafOptions{Names: []string{"127.0.0.1"}, PublicKey: HugeRSAKey(t, 16384)})
	cert := TLSCert(NewKey(t), leaf)
	return Serve(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
}
