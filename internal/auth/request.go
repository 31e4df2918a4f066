package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

// Window is how far a request's created time may be from the verifier's
// clock, either way, as AWS SigV4 does.
const Window = 5 * time.Minute

// MaxNonce bounds a nonce's length.
const MaxNonce = 64

// Request is a signed request: an HTTP request's parts, so that the local
// backend hands it to the service as it is and the remote one serialises it
// field by field (method and path in the request line, Query after "?", Body
// as the body, the rest in headers; docs/api.md).
type Request struct {
	Account   string `json:"account"`
	Method    string `json:"method"`           // e.g. "POST"
	Path      string `json:"path"`             // e.g. "/v1/accounts/acme/users"
	Query     string `json:"query,omitempty"`  // canonical query string, without "?"
	Body      []byte `json:"body,omitempty"`   // the operation's JSON body
	Created   int64  `json:"created"`          // Unix seconds
	Nonce     string `json:"nonce"`            // unique per request
	KeyID     string `json:"key_id,omitempty"` // session id, or "aoc_<id>" for a code; empty when unsigned
	Signature []byte `json:"sig,omitempty"`
	// IdempotencyKey names one logical request across its retries (each
	// signed anew): the service runs it once and answers the retries
	// with the first outcome. Not signed: the service binds it to the
	// signer, the operation and the body digest.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// ClientAddr is the client's IP address as the transport saw it (the
	// server: the peer; the embedded backend: 127.0.0.1). Not signed and
	// not on the wire: the transport sets it, the token service uses it.
	ClientAddr string `json:"-"`
}

// NewNonce returns 128 random bits, base64url.
func NewNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (r *Request) bytes() []byte {
	return transcript(purposeRequest, []byte(r.Account), []byte(r.Method), []byte(r.Path), []byte(r.Query),
		Digest(r.Body), int64Bytes(r.Created), []byte(r.Nonce), []byte(r.KeyID))
}

// Sign stamps created and a fresh nonce, then signs with key under keyID.
func (r *Request) Sign(keyID string, key ed25519.PrivateKey, now time.Time) {
	r.Created = now.Unix()
	r.Nonce = NewNonce()
	r.KeyID = keyID
	r.Signature = sign(key, r.bytes())
}

// CheckFresh checks the envelope's shape and that created is within
// ±Window of now. It runs before any store lookup.
func (r *Request) CheckFresh(now time.Time) error {
	if r.Nonce == "" || len(r.Nonce) > MaxNonce {
		return fault.New(fault.Auth, "request has no valid nonce")
	}
	skew := now.Sub(time.Unix(r.Created, 0))
	if skew > Window || skew < -Window {
		err := fault.WithHint(fault.New(fault.Auth, "request time is %s away from the service clock (limit ±%s)", skew.Round(time.Second), Window),
			"check this machine's clock")
		return &SkewError{Skew: skew, Err: err}
	}
	return nil
}

// SkewError is a request refused because its created time is outside the
// window. Skew is the service clock minus the request's time. Nothing ran:
// a client may correct its clock offset and retry once.
type SkewError struct {
	Skew time.Duration
	Err  error
}

// Error returns the underlying message.
func (e *SkewError) Error() string { return e.Err.Error() }

// Unwrap exposes the classified error.
func (e *SkewError) Unwrap() error { return e.Err }

// Verify checks the signature against pub.
func (r *Request) Verify(pub ed25519.PublicKey) error { return r.VerifyWith(NewVerifyKey(pub)) }

// VerifyWith is Verify under a prepared key (a session's, verified again
// with every request it signs).
func (r *Request) VerifyWith(k *VerifyKey) error {
	if !k.verify(r.bytes(), r.Signature) {
		return fault.New(fault.Auth, "request signature does not verify")
	}
	return nil
}

// ReplayKey is the key under which the nonce is remembered, and Expiry how
// long it must be: until the request can no longer pass CheckFresh.
func (r *Request) ReplayKey() string { return r.KeyID + "|" + r.Nonce }

// Expiry is when a replay of r would fail CheckFresh anyway.
func (r *Request) Expiry() time.Time { return time.Unix(r.Created, 0).Add(Window + time.Second) }
