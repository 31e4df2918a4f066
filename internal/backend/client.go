package backend

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
)

// ClientOptions configure a Client.
type ClientOptions struct {
	// Account is the account every request is addressed to.
	Account string
	// ServiceKey is the pinned service key. When nil, Fingerprint must be
	// set: the key is fetched with Info on first use and must match it.
	ServiceKey  ed25519.PublicKey
	Fingerprint auth.Fingerprint
	// Now is the clock used to stamp requests (default time.Now).
	Now func() time.Time
}

// Client implements Backend over a Transport: it builds and signs the
// request envelopes and verifies every answer against the pinned service
// key. Every implementation shares it, so all go through the same checks.
type Client struct {
	t    Transport
	opts ClientOptions

	mu   sync.Mutex
	key  *auth.VerifyKey // the pinned service key, prepared: every answer is verified under it
	skew time.Duration   // service clock minus local clock
}

var _ Backend = (*Client)(nil)

// NewClient returns a Client on t.
func NewClient(t Transport, opts ClientOptions) *Client {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Client{t: t, opts: opts}
	if opts.ServiceKey != nil {
		c.key = auth.NewVerifyKey(opts.ServiceKey)
	}
	return c
}

// ServiceKey returns the pinned service key, fetching and checking it
// against the fingerprint if needed.
func (c *Client) ServiceKey(ctx context.Context) (ed25519.PublicKey, error) {
	if key := c.pinned(); key != nil {
		return key, nil
	}
	_, err := c.Info(ctx)
	return c.pinned(), err
}

// Info implements Backend. When no key is pinned yet, the answer is checked
// against the fingerprint and its key becomes the pinned key.
func (c *Client) Info(ctx context.Context) (api.ServiceInfo, error) {
	var info api.ServiceInfo
	req := c.envelope(api.OpInfo.Operation, "", nil)
	req.Created, req.Nonce = c.now().Unix(), auth.NewNonce()
	resp, err := c.exchange(ctx, api.OpInfo.Operation, req)
	if err != nil {
		return info, err
	}
	if !resp.OK() {
		if key := c.pinned(); key != nil {
			if err := resp.Verify(key, req.Nonce); err != nil {
				return info, err
			}
		} // else unverifiable, as no key is pinned yet: an error either way
		return info, answerErr(resp)
	}
	if err := json.Unmarshal(resp.Body, &info); err != nil {
		return info, fault.New(fault.Network, "undecodable service info: %v", err)
	}
	if err := c.pin(info.ServiceKey); err != nil {
		return api.ServiceInfo{}, err
	}
	if err := resp.Verify(c.pinned(), req.Nonce); err != nil {
		return api.ServiceInfo{}, err
	}
	return info, nil
}

func (c *Client) pinned() ed25519.PublicKey {
	if k := c.pinnedKey(); k != nil {
		return k.Public()
	}
	return nil
}

func (c *Client) pinnedKey() *auth.VerifyKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.key
}

// pin accepts key when it is the pinned key or matches the fingerprint.
func (c *Client) pin(key ed25519.PublicKey) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.key != nil && key.Equal(c.key.Public()):
		return nil
	case c.key == nil && c.opts.Fingerprint.Matches(key):
		c.key = auth.NewVerifyKey(key)
		return nil
	}
	return fault.WithHint(fault.New(fault.Network, "the service's signing key does not match the pinned fingerprint %s", c.opts.Fingerprint),
		"someone may be intercepting the connection, or the code is for another service")
}

// Send implements Backend: it signs the encoded request for op as who (the
// credential op needs; ignored for unsigned operations), exchanges it and
// returns the verified answer's body. A request refused for clock skew ran
// nothing: Send corrects the clock offset from the signed answer's time and
// retries once.
func (c *Client) Send(ctx context.Context, op api.Operation, who Caller, query string, body []byte) ([]byte, error) {
	if op.Cred != api.CredNone && who.Key == nil {
		return nil, fault.New(fault.Internal, "operation %s needs a %s credential", op.Name, op.Cred)
	}
	if _, err := c.ServiceKey(ctx); err != nil {
		return nil, err
	}
	key := c.pinnedKey()
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, key, op, c.envelope(op, query, body), who)
		if err != nil {
			return nil, err
		}
		err = answerErr(resp)
		var skew *auth.SkewError
		if attempt > 0 || !errors.As(err, &skew) || resp.Time == 0 {
			return resp.Body, err
		}
		c.mu.Lock()
		c.skew = time.Unix(resp.Time, 0).Sub(c.opts.Now())
		c.mu.Unlock()
	}
}

// once stamps, signs and exchanges one request and verifies the answer.
// A transport that sends it again (to another URL) re-stamps it through
// Resign first, so no retry is refused as a replay; the answer must
// answer the last stamp.
func (c *Client) once(ctx context.Context, key *auth.VerifyKey, op api.Operation, req *auth.Request, who Caller) (*auth.Response, error) {
	stamp := func() {
		now := c.now()
		if op.Cred != api.CredNone {
			req.Sign(who.Session, who.Key, now)
		} else {
			req.Created, req.Nonce = now.Unix(), auth.NewNonce()
		}
	}
	stamp()
	if !op.Idempotent && op.Cred != api.CredNone {
		req.IdempotencyKey = auth.NewNonce()
	}
	resp, err := c.exchange(context.WithValue(ctx, resignKey{}, stamp), op, req)
	if err != nil {
		return nil, err
	}
	if err := resp.VerifyWith(key, req.Nonce); err != nil {
		return nil, unverified(resp, err)
	}
	return resp, nil
}

// unverified is the error for an answer that failed verification. A service
// that cannot reach its store, or does not know the account, has no key to
// sign with and says so unsigned: its message is shown, as a network error
// whatever kind it claims (anyone in between could have written it).
func unverified(resp *auth.Response, verifyErr error) error {
	var w api.WireError
	if len(resp.Signature) != 0 || resp.OK() || json.Unmarshal(resp.Body, &w) != nil || w.Message == "" {
		return verifyErr
	}
	return fault.WithHint(fault.New(fault.Network, "%s (an unsigned answer, status %d)", w.Err().Error(), resp.Status),
		"the service could not sign its answer; if this lasts, check the server, and that nobody is intercepting the connection")
}

type resignKey struct{}

// Resign re-stamps (a fresh time and nonce) and re-signs, in place, the
// request of the exchange ctx belongs to: a transport calls it before it
// sends that request again. It does nothing outside a Client's exchange.
func Resign(ctx context.Context) {
	if stamp, ok := ctx.Value(resignKey{}).(func()); ok {
		stamp()
	}
}

// now is the local clock corrected by the offset learnt from the service.
func (c *Client) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opts.Now().Add(c.skew)
}

// ClockSkew is the offset (service minus local clock) this client learnt
// from a refused request, zero if none.
func (c *Client) ClockSkew() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.skew
}

func (c *Client) envelope(op api.Operation, query string, body []byte) *auth.Request {
	return &auth.Request{Account: c.opts.Account, Method: op.Method, Path: op.PathFor(c.opts.Account), Query: query, Body: body}
}

func (c *Client) exchange(ctx context.Context, op api.Operation, req *auth.Request) (*auth.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fault.Wrap(fault.Cancelled, err)
	}
	resp, err := c.t.Exchange(ctx, op, req)
	if err == nil && resp == nil {
		err = fault.New(fault.Network, "no answer from the service")
	}
	return resp, err
}

// answerErr is the error a verified answer carries, nil for a success.
func answerErr(resp *auth.Response) error {
	if resp.OK() {
		return nil
	}
	var w api.WireError
	if err := json.Unmarshal(resp.Body, &w); err != nil {
		return fault.New(fault.Network, "undecodable error from the service (status %d): %v", resp.Status, err)
	}
	return w.Err()
}
