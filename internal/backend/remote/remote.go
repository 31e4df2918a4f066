// Package remote is the backend over HTTPS to approovd: a
// backend.Transport that serialises each signed request as docs/api.md
// describes, tries the service's URLs in order (failing over on connection
// errors, timeouts and 5xx answers), and verifies the server's TLS
// certificate (system roots, a CA file, or the pin a --dev code carries).
// backend.Client above it verifies every answer against the pinned
// service key, as for the embedded backend.
package remote

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/userfile"
)

// DefaultTimeout bounds one attempt of one call.
const DefaultTimeout = 30 * time.Second

// maxCAFile bounds a CA file: a system bundle is about 220 KB.
const maxCAFile = 4 << 20

// Options configure a Transport.
type Options struct {
	// URLs are the service's https:// locations, primary first; each may
	// carry a TLS pin (auth.WithPin).
	URLs []string
	// RootCAs verify the servers' certificates (nil: the system roots).
	RootCAs *x509.CertPool
	// Timeout bounds each attempt (default DefaultTimeout).
	Timeout time.Duration
	// OnFailover is told when a call moves on from one URL to the next.
	OnFailover func(from, to string, err error)
	// MaxConns bounds the idle connections kept per server (default 16).
	MaxConns int
	// HTTP1 speaks HTTP/1.1 only, one connection per concurrent request,
	// instead of negotiating HTTP/2 (the default). Both are served; on
	// HTTP/1.1 approovd spends less CPU per request (docs/bench/README.md),
	// which suits a client sending many requests at once.
	HTTP1 bool
}

// target is one URL with the HTTP client that verifies its certificate.
type target struct {
	base   string // without the pin fragment
	client *http.Client
}

// Transport carries exchanges to approovd over HTTPS.
type Transport struct {
	opts    Options
	targets []target

	mu       sync.Mutex
	answered string
}

var _ backend.Transport = (*Transport)(nil)

// New returns a Transport for opts.URLs.
func New(opts Options) (*Transport, error) {
	if err := auth.ValidateLocations(opts.URLs); err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	t := &Transport{opts: opts}
	for _, loc := range opts.URLs {
		base, pin, err := auth.SplitPin(loc)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(loc, auth.LocalPrefix) {
			return nil, fault.New(fault.Invalid, "not a remote backend: %s", loc)
		}
		t.targets = append(t.targets, target{base: strings.TrimSuffix(base, "/"), client: httpClient(tlsConfig(opts.RootCAs, pin), opts.MaxConns, opts.HTTP1)})
	}
	return t, nil
}

// LoadCAFile reads a PEM file of CA certificates for Options.RootCAs:
// a regular file (a named pipe never hangs the command), of bounded size.
func LoadCAFile(path string) (*x509.CertPool, error) {
	f, err := userfile.Open(path)
	if err != nil {
		return nil, fault.New(fault.Invalid, "cannot read the CA file: %v", err)
	}
	defer f.Close()
	pem, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	switch {
	case err != nil:
		return nil, fault.New(fault.Invalid, "cannot read the CA file %s: %v", path, err)
	case len(pem) > maxCAFile:
		return nil, fault.New(fault.Invalid, "CA file %s is over %d bytes", path, maxCAFile)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fault.New(fault.Invalid, "CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// tlsConfig verifies the chain normally, or, for a pinned location, that
// the leaf's public key is the pinned one (a --dev server's self-signed
// certificate has no chain to verify).
func tlsConfig(roots *x509.CertPool, pin []byte) *tls.Config {
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if pin == nil {
		return cfg
	}
	cfg.InsecureSkipVerify = true // replaced by the pin check below
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 || subtle.ConstantTimeCompare(auth.TLSPin(cs.PeerCertificates[0].RawSubjectPublicKeyInfo), pin) != 1 {
			return errors.New("the server's certificate does not match the pin the code carries")
		}
		return nil
	}
	return cfg
}

func httpClient(cfg *tls.Config, conns int, http1 bool) *http.Client {
	if conns <= 0 {
		conns = 16
	}
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: conns,
		TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: DefaultTimeout, IdleConnTimeout: 90 * time.Second}
	if http1 {
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetHTTP1(true)
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Answered is the URL (without pin) that answered the last exchange.
func (t *Transport) Answered() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.answered
}

// Exchange implements backend.Transport. It tries each URL in turn: it
// moves on after a connection error, a timeout or a 5xx answer, but sends
// a non-idempotent operation again only when the failed attempt never
// wrote the request (so it cannot have run) or when it carries an
// idempotency key (the service runs it once). Each retry is signed anew
// (backend.Resign): the first attempt's nonce may already be spent.
func (t *Transport) Exchange(ctx context.Context, op api.Operation, req *auth.Request) (*auth.Response, error) {
	retryable := op.Idempotent || req.IdempotencyKey != ""
	for i, tg := range t.targets {
		if i > 0 {
			backend.Resign(ctx)
		}
		resp, sent, err := t.attempt(ctx, tg, req)
		if err == nil && resp.Status < 500 {
			t.setAnswered(tg.base)
			return resp, nil
		}
		last := i == len(t.targets)-1
		if last || (sent && !retryable) || ctx.Err() != nil {
			if err != nil {
				return nil, netErr(tg.base, op, req, sent, err)
			}
			t.setAnswered(tg.base)
			return resp, nil
		}
		if t.opts.OnFailover != nil {
			t.opts.OnFailover(tg.base, t.targets[i+1].base, reason(resp, err))
		}
	}
	return nil, fault.New(fault.Network, "no service URL to try")
}

func (t *Transport) setAnswered(u string) {
	t.mu.Lock()
	t.answered = u
	t.mu.Unlock()
}

func reason(resp *auth.Response, err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("answered %d", resp.Status)
}

// netErr classifies a failed attempt; for a request that was sent but not
// answered, it says that the operation may or may not have run.
func netErr(base string, op api.Operation, req *auth.Request, sent bool, err error) error {
	if sent && !op.Idempotent {
		e := fault.New(fault.Network, "%s: %w (%v): %s may or may not have taken effect", base, backend.ErrNoAnswer, err, op.Name)
		return fault.WithHint(e, "check whether it did before retrying")
	}
	return fault.WithHint(fault.New(fault.Network, "%s: %v", base, err), "check the network and that approovd is running")
}

// attempt sends req to one URL; sent says whether the request was written.
func (t *Transport) attempt(ctx context.Context, tg target, req *auth.Request) (*auth.Response, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, t.opts.Timeout)
	defer cancel()
	var sent bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { sent = true }})
	hr, err := httpRequest(ctx, tg.base, req)
	if err != nil {
		return nil, false, err
	}
	res, err := tg.client.Do(hr)
	if err != nil {
		return nil, sent, err
	}
	defer res.Body.Close()
	resp, err := answer(res)
	return resp, true, err
}

// httpRequest serialises req (docs/api.md, "Requests").
func httpRequest(ctx context.Context, base string, req *auth.Request) (*http.Request, error) {
	u := base + req.Path
	if req.Query != "" {
		u += "?" + req.Query
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u, body)
	if err != nil {
		return nil, err
	}
	h := hr.Header
	if req.Body != nil {
		h.Set("Content-Type", "application/json")
	}
	h.Set(api.HeaderCreated, strconv.FormatInt(req.Created, 10))
	h.Set(api.HeaderNonce, req.Nonce)
	if req.IdempotencyKey != "" {
		h.Set(api.HeaderIdempotencyKey, req.IdempotencyKey)
	}
	if req.KeyID != "" {
		h.Set(api.HeaderKeyID, req.KeyID)
		h.Set(api.HeaderSignature, base64.RawURLEncoding.EncodeToString(req.Signature))
	}
	return hr, nil
}

// answer reads a signed answer (docs/api.md, "Answers"), bounded to
// api.MaxMessage. Malformed parts are left zero: the signature check
// above refuses them.
func answer(res *http.Response) (*auth.Response, error) {
	body, err := io.ReadAll(io.LimitReader(res.Body, api.MaxMessage+1))
	if err != nil {
		return nil, err
	}
	if len(body) > api.MaxMessage {
		return nil, fault.New(fault.Network, "answer over %d bytes", api.MaxMessage)
	}
	resp := &auth.Response{Status: res.StatusCode, Nonce: res.Header.Get(api.HeaderNonce), Body: body}
	resp.Time, _ = strconv.ParseInt(res.Header.Get(api.HeaderTime), 10, 64)
	resp.Signature, _ = base64.RawURLEncoding.DecodeString(res.Header.Get(api.HeaderSignature))
	if len(resp.Body) == 0 {
		resp.Body = nil
	}
	return resp, nil
}

// Backend is the remote backend: a backend.Client that also says which
// URL answered last.
type Backend struct {
	*backend.Client
	t *Transport
}

// Answered is the URL that answered the last call.
func (b *Backend) Answered() string { return b.t.Answered() }

// Open returns the Backend for account at opts.URLs, pinned to fp.
func Open(account string, fp auth.Fingerprint, opts Options, now func() time.Time) (*Backend, error) {
	return OpenClient(backend.ClientOptions{Account: account, Fingerprint: fp, Now: now}, opts)
}

// OpenClient is Open with every client option, e.g. a service key already
// proven, which spares the Info round trip before the first call.
func OpenClient(copts backend.ClientOptions, opts Options) (*Backend, error) {
	t, err := New(opts)
	if err != nil {
		return nil, err
	}
	return &Backend{Client: backend.NewClient(t, copts), t: t}, nil
}
