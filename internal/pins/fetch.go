package pins

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Defaults for live probes (DESIGN §5: separate dial, handshake and overall deadlines).
const (
	DefaultDialTimeout      = 5 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultTimeout          = 20 * time.Second
	// MaxChainLength bounds the certificates a server may send; real chains have 2–4.
	MaxChainLength = 16
	// MaxAddresses bounds the resolved addresses probed for one host.
	MaxAddresses = 16
)

// ErrNotVerified marks a chain that failed verification (unknown authority,
// expired, wrong host). Callers may suggest a CA file or insecure mode.
var ErrNotVerified = errors.New("certificate not verified")

// FetchOptions configure live probes. The zero value verifies against the
// system roots with the default deadlines.
type FetchOptions struct {
	Roots            *x509.CertPool // nil: the system roots
	Insecure         bool           // skip verification: pins may come from a man in the middle
	ServerName       string         // SNI and verification name; default the target's host
	DialTimeout      time.Duration
	HandshakeTimeout time.Duration
	// Lookup resolves a host name; nil uses net.DefaultResolver.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	// Now is the verification time; nil uses time.Now.
	Now func() time.Time
}

// Endpoint is the result of probing one resolved address of a target.
type Endpoint struct {
	Target     string     `json:"target"`
	Address    string     `json:"address"`
	ServerName string     `json:"server_name,omitempty"`
	Verified   bool       `json:"verified"`
	TLSVersion string     `json:"tls_version,omitempty"`
	Chain      []CertInfo `json:"chain"`
	Error      string     `json:"error,omitempty"`
	// Chains holds every verified chain (or, insecure, the chain as sent), for matching.
	Chains [][]*x509.Certificate `json:"-"`
	Err    error                 `json:"-"`
}

// Fetch resolves target and probes every resolved address concurrently. It
// returns one Endpoint per address (failures included, with Err set) and an
// error of kind Network when resolution or any probe failed.
func Fetch(ctx context.Context, target Target, opts FetchOptions) ([]Endpoint, error) {
	addrs, err := resolve(ctx, target.Host, opts)
	if err != nil {
		return nil, err
	}
	eps := make([]Endpoint, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			eps[i] = probe(ctx, target, netip.AddrPortFrom(a, uint16(target.Port)), opts)
		}()
	}
	wg.Wait()
	return eps, firstFailure(eps)
}

func firstFailure(eps []Endpoint) error {
	failed := 0
	var first error
	for _, ep := range eps {
		if ep.Err != nil {
			if failed++; first == nil {
				first = ep.Err
			}
		}
	}
	if failed > 1 {
		return networkf("%d of %d addresses failed; first: %w", failed, len(eps), first)
	}
	return first
}

func resolve(ctx context.Context, host string, opts FetchOptions) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	lookup := opts.Lookup
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	lctx, cancel := context.WithTimeout(ctx, orDefault(opts.DialTimeout, DefaultDialTimeout))
	defer cancel()
	addrs, err := lookup(lctx, host)
	if err != nil {
		return nil, networkf("cannot resolve %s: %s", host, netErrText(err))
	}
	addrs = dedupe(addrs)
	if len(addrs) == 0 {
		return nil, networkf("cannot resolve %s: no addresses", host)
	}
	if len(addrs) > MaxAddresses {
		addrs = addrs[:MaxAddresses]
	}
	return addrs, nil
}

func dedupe(addrs []netip.Addr) []netip.Addr {
	seen := map[netip.Addr]bool{}
	out := addrs[:0:0]
	for _, a := range addrs {
		a = a.Unmap()
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (o FetchOptions) serverName(t Target) string {
	if o.ServerName != "" {
		return o.ServerName
	}
	return t.Host
}

func (o FetchOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// probe dials one address and completes a TLS handshake under both deadlines.
func probe(ctx context.Context, t Target, addr netip.AddrPort, opts FetchOptions) Endpoint {
	ep := Endpoint{Target: t.String(), Address: addr.String(), ServerName: opts.serverName(t)}
	dialTimeout := orDefault(opts.DialTimeout, DefaultDialTimeout)
	d := net.Dialer{Timeout: dialTimeout}
	raw, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		ep.fail(dialError(ctx, addr, dialTimeout, err))
		return ep
	}
	defer raw.Close()
	hsTimeout := orDefault(opts.HandshakeTimeout, DefaultHandshakeTimeout)
	hctx, cancel := context.WithTimeout(ctx, hsTimeout)
	defer cancel()
	var chains [][]*x509.Certificate
	conn := tls.Client(raw, opts.tlsConfig(ep.ServerName, &chains))
	if err := conn.HandshakeContext(hctx); err != nil {
		ep.fail(handshakeError(ctx, hctx, addr, hsTimeout, err))
		return ep
	}
	_ = raw.SetDeadline(time.Now().Add(time.Second)) // never let close_notify block
	_ = conn.Close()
	st := conn.ConnectionState()
	ep.TLSVersion = tls.VersionName(st.Version)
	ep.Verified = !opts.Insecure
	ep.Chains = chains
	ep.Chain = ChainInfo(shortest(chains))
	return ep
}

func (ep *Endpoint) fail(err error) {
	ep.Err = err
	ep.Error = err.Error()
}

// tlsConfig verifies the chain ourselves (in VerifyConnection) so that the
// certificate count is bounded before any path building, and so that the
// verified chains, not the chain as sent, are what pins are matched against.
func (o FetchOptions) tlsConfig(name string, chains *[][]*x509.Certificate) *tls.Config {
	sni := name
	if _, err := netip.ParseAddr(name); err == nil {
		sni = "" // no SNI for IP literals (RFC 6066)
	}
	return &tls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true, // verification is done below, always, unless o.Insecure
		MinVersion:         tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			got, err := o.verify(cs.PeerCertificates, name)
			*chains = got
			return err
		},
	}
}

func (o FetchOptions) verify(certs []*x509.Certificate, name string) ([][]*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, networkf("the server sent no certificate")
	}
	if len(certs) > MaxChainLength {
		return nil, networkf("the server sent %d certificates; more than %d are refused", len(certs), MaxChainLength)
	}
	if o.Insecure {
		return [][]*x509.Certificate{certs}, nil
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	chains, err := certs[0].Verify(x509.VerifyOptions{
		DNSName: name, Roots: o.Roots, Intermediates: inter, CurrentTime: o.now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, verifyError(err, certs[0], name)
	}
	return chains, nil
}

func shortest(chains [][]*x509.Certificate) []*x509.Certificate {
	var best []*x509.Certificate
	for _, c := range chains {
		if best == nil || len(c) < len(best) {
			best = c
		}
	}
	return best
}
