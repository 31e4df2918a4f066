package pin_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/app"
	"github.com/approov-cli/approov/internal/cli/pin"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
)

func extractOpts(t *testing.T, s streams, args ...string) (*pin.ExtractOptions, error) {
	t.Helper()
	var got *pin.ExtractOptions
	cmd := pin.NewCmdExtract(factory(s), func(o *pin.ExtractOptions) error { got = o; return nil })
	err := parse(t, cmd, args...)
	return got, err
}

func TestNewCmdExtractFlags(t *testing.T) {
	tests := []struct {
		args  []string
		check func(*pin.ExtractOptions) bool
	}{
		{[]string{"a.pem"}, func(o *pin.ExtractOptions) bool {
			return o.Sources[0] == "a.pem" && o.Net.Timeout == pins.DefaultTimeout && !o.Net.Insecure
		}},
		{[]string{"--insecure", "--servername", "x.test", "h:1", "b"}, func(o *pin.ExtractOptions) bool {
			return o.Net.Insecure && o.Net.ServerName == "x.test" && len(o.Sources) == 2
		}},
		{[]string{"--connect-timeout", "2s", "--handshake-timeout", "3s", "--timeout", "4s", "--ca-file", "ca.pem", "h"}, func(o *pin.ExtractOptions) bool {
			return o.Net.ConnectTimeout == 2*time.Second && o.Net.HandshakeTimeout == 3*time.Second && o.Net.Timeout == 4*time.Second && o.Net.CAFile == "ca.pem"
		}},
	}
	for _, tt := range tests {
		o, err := extractOpts(t, newStreams(false), tt.args...)
		if err != nil || !tt.check(o) {
			t.Errorf("%v: err %v, options %+v", tt.args, err, o)
		}
	}
	if _, err := extractOpts(t, newStreams(false)); err == nil {
		t.Error("no argument accepted")
	}
}

func runExtract(t *testing.T, s streams, args ...string) error {
	t.Helper()
	o, err := extractOpts(t, s, args...)
	if err != nil {
		t.Fatal(err)
	}
	return pin.RunExtract(context.Background(), o)
}

func TestExtractFiles(t *testing.T) {
	want := opensslPins(t)
	for _, tty := range []bool{false, true} {
		s := newStreams(tty)
		if err := runExtract(t, s, filepath.Join(vectors, "rsa2048.pem"), filepath.Join(vectors, "ed25519.der")); err != nil {
			t.Fatal(err)
		}
		out := s.Out.String()
		if !strings.Contains(out, "sha256/"+want["rsa2048"]) || !strings.Contains(out, "sha256/"+want["ed25519"]) {
			t.Errorf("tty=%v: pins missing:\n%s", tty, out)
		}
		if hasHeader := strings.Contains(out, "PIN"); hasHeader != tty {
			t.Errorf("tty=%v: header shown %v:\n%s", tty, hasHeader, out)
		}
	}
}

func TestExtractJSONFromStdin(t *testing.T) {
	s := newStreams(false)
	data, _ := os.ReadFile(filepath.Join(vectors, "bundle.p7b"))
	s.In.Write(data)
	if err := runExtract(t, s, "-", "--json"); err != nil {
		t.Fatal(err)
	}
	var chains []struct {
		Source       string
		Certificates []struct{ Pin, Position, Key string }
	}
	if err := json.Unmarshal(s.Out.Bytes(), &chains); err != nil {
		t.Fatalf("%v\n%s", err, s.Out)
	}
	want := opensslPins(t)
	got := chains[0].Certificates
	if chains[0].Source != "stdin" || len(got) != 4 || got[2].Pin != want["p384"] || got[2].Key != "ECDSA P-384" {
		t.Errorf("chains %+v", chains)
	}
}

func TestExtractRefusesPrivateKey(t *testing.T) {
	key := "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecretmaterial\n-----END RSA PRIVATE KEY-----\n"
	s := newStreams(false)
	err := runExtract(t, s, writeFile(t, "server.pem", []byte(key)))
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "private key") {
		t.Fatalf("err %v", err)
	}
	if all := err.Error() + s.Out.String() + s.ErrOut.String(); strings.Contains(all, "secretmaterial") {
		t.Errorf("key material echoed: %q", all)
	}
}

func TestExtractGivenAPin(t *testing.T) {
	err := runExtract(t, newStreams(false), "sha256/29Fvxv+durZ2LqzzDU6bq1JZHNvx40kQJj32Fs9gEm4=")
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "is a pin") {
		t.Errorf("err %v", err)
	}
}

func TestExtractStdinOnce(t *testing.T) {
	if err := runExtract(t, newStreams(false), "-", "-"); fault.KindOf(err) != fault.Usage {
		t.Errorf("err %v", err)
	}
}

func TestExtractMissingFile(t *testing.T) {
	err := runExtract(t, newStreams(false), "nosuch.crt")
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "nosuch.crt") {
		t.Errorf("err %v", err)
	}
}

// liveServer serves a leaf for 127.0.0.1 under a fresh CA and returns the
// address, the CA file and the leaf.
func liveServer(t *testing.T) (addr, caFile string, leafPin pins.Pin) {
	ca := pinstest.NewCA(t, "Extract Root")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"127.0.0.1", "localhost"}})
	addr = pinstest.ServeTLS(t, key, leaf, ca.Cert)
	return addr, writeFile(t, "ca.pem", ca.PEM()), pins.Compute(leaf)
}

func TestExtractLive(t *testing.T) {
	addr, caFile, leafPin := liveServer(t)
	for _, tty := range []bool{false, true} {
		s := newStreams(tty)
		if err := runExtract(t, s, "--ca-file", caFile, "https://"+addr+"/health"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s.Out.String(), leafPin.OkHttp()) || !strings.Contains(s.Out.String(), "root") {
			t.Errorf("tty=%v output:\n%s", tty, s.Out)
		}
	}
	if got := opensslLivePin(t, addr); got != "" && got != leafPin.String() {
		t.Errorf("openssl s_client pipeline says %s, we say %s", got, leafPin)
	}
}

// opensslLivePin runs the openssl pipeline of ecosystem.md §3.2 on a live endpoint.
func opensslLivePin(t *testing.T, addr string) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is required in CI")
		}
		t.Log("openssl not installed: live cross-check skipped")
		return ""
	}
	pipeline := "openssl s_client -connect " + addr + " </dev/null 2>/dev/null | openssl x509 -pubkey -noout | " +
		"openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl enc -base64"
	out, err := exec.Command("sh", "-c", pipeline).Output()
	if err != nil || len(strings.TrimSpace(string(out))) != 44 {
		t.Fatalf("openssl pipeline: %v, output %q", err, out)
	}
	t.Logf("openssl pipeline on %s: %s", addr, out)
	return strings.TrimSpace(string(out))
}

func TestExtractInsecureWarns(t *testing.T) {
	ca := pinstest.NewCA(t, "Untrusted")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"127.0.0.1"}})
	addr := pinstest.ServeTLS(t, key, leaf)
	s := newStreams(false)
	err := runExtract(t, s, addr)
	if fault.KindOf(err) != fault.Network || !strings.Contains(fault.HintOf(err), "--insecure") {
		t.Fatalf("unverified chain: err %v, hint %q", err, fault.HintOf(err))
	}
	s = newStreams(false)
	if err := runExtract(t, s, "--insecure", addr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.ErrOut.String(), "man in the middle") || !strings.Contains(s.Out.String(), pins.Compute(leaf).OkHttp()) {
		t.Errorf("stderr %q, stdout %q", s.ErrOut, s.Out)
	}
}

// Every hostile server ends within its deadline with a network error of one line.
func TestExtractHostile(t *testing.T) {
	ca := pinstest.NewCA(t, "Hostile Root")
	caFile := writeFile(t, "ca.pem", ca.PEM())
	const deadline = 6 * time.Second
	for _, h := range pinstest.HostileServers {
		t.Run(h.Name, func(t *testing.T) {
			addr := h.Start(t, ca)
			start := time.Now()
			err := runExtract(t, newStreams(false), "--ca-file", caFile, "--connect-timeout", "5s",
				"--handshake-timeout", "4s", "--timeout", deadline.String(), addr)
			elapsed := time.Since(start)
			if fault.KindOf(err) != fault.Network || app.ExitCode(err) != 7 {
				t.Fatalf("err %v (kind %v), want network", err, fault.KindOf(err))
			}
			oneLine(t, err)
			if !strings.Contains(err.Error(), h.Reason) {
				t.Errorf("reason %q lacks %q", err, h.Reason)
			}
			if elapsed > deadline+time.Second {
				t.Errorf("took %s; deadline %s", elapsed, deadline)
			}
		})
	}
}

// The whole binary path: exit code 7 and a single "error:" line on stderr.
func TestExtractExitCode(t *testing.T) {
	s := newStreams(false)
	code := app.Run(context.Background(), s.IO, []string{"pin", "extract", "--handshake-timeout", "500ms", pinstest.Tarpit(t)})
	lines := strings.Split(strings.TrimSpace(s.ErrOut.String()), "\n")
	if code != 7 || len(lines) != 1 || !strings.HasPrefix(lines[0], "error: ") {
		t.Errorf("exit %d, stderr %q", code, s.ErrOut)
	}
}

// --servername picks the virtual host, and the chain is verified for that name.
func TestExtractServerName(t *testing.T) {
	ca := pinstest.NewCA(t, "SNI Root")
	certs := map[string]*tls.Certificate{}
	var bLeaf *x509.Certificate
	for _, name := range []string{"a.pins.test", "b.pins.test"} {
		leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{name}})
		c := pinstest.TLSCert(key, leaf)
		certs[name], bLeaf = &c, leaf
	}
	addr := pinstest.Serve(t, "127.0.0.1:0", &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		return certs[h.ServerName], nil
	}})
	s := newStreams(false)
	if err := runExtract(t, s, "--ca-file", writeFile(t, "ca.pem", ca.PEM()), "--servername", "b.pins.test", "--json", addr); err != nil {
		t.Fatal(err)
	}
	var chains []pin.Chain
	if err := json.Unmarshal(s.Out.Bytes(), &chains); err != nil {
		t.Fatal(err)
	}
	if chains[0].ServerName != "b.pins.test" || !chains[0].Verified || chains[0].Certificates[0].Pin != pins.Compute(bLeaf) {
		t.Errorf("chain %+v", chains[0])
	}
}

func TestExtractIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback on this machine")
	}
	ln.Close()
	ca := pinstest.NewCA(t, "v6 Root")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"::1"}})
	addr := pinstest.Serve(t, "[::1]:0", &tls.Config{Certificates: []tls.Certificate{pinstest.TLSCert(key, leaf)}})
	s := newStreams(false)
	if err := runExtract(t, s, "--ca-file", writeFile(t, "ca.pem", ca.PEM()), addr); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Out.String(), "[::1]:") || !strings.Contains(s.Out.String(), pins.Compute(leaf).OkHttp()) {
		t.Errorf("output %q", s.Out)
	}
}

// Every address of a name is probed and reported; different leaves are flagged.
func TestExtractEveryAddress(t *testing.T) {
	ca := pinstest.NewCA(t, "Split Root")
	l1, k1 := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"split.pins.test"}})
	a1 := pinstest.ServeTLS(t, k1, l1)
	_, port, _ := net.SplitHostPort(a1)
	if ln, err := net.Listen("tcp", "127.0.0.2:"+port); err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	} else {
		ln.Close()
	}
	l2, k2 := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"split.pins.test"}})
	pinstest.Serve(t, "127.0.0.2:"+port, &tls.Config{Certificates: []tls.Certificate{pinstest.TLSCert(k2, l2)}})
	s := newStreams(false)
	o, err := extractOpts(t, s, "--ca-file", writeFile(t, "ca.pem", ca.PEM()), "split.pins.test:"+port)
	if err != nil {
		t.Fatal(err)
	}
	o.Net.Lookup = func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")}, nil
	}
	if err := pin.RunExtract(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	out := s.Out.String()
	if !strings.Contains(out, "127.0.0.1:"+port) || !strings.Contains(out, "127.0.0.2:"+port) ||
		!strings.Contains(out, pins.Compute(l1).OkHttp()) || !strings.Contains(out, pins.Compute(l2).OkHttp()) {
		t.Errorf("output:\n%s", out)
	}
	if !strings.Contains(s.ErrOut.String(), "serve 2 different leaf keys") {
		t.Errorf("stderr %q", s.ErrOut)
	}
}
