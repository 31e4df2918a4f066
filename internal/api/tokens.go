package api

import (
	"log/slog"
	"time"
)

// TokenSecret is the account's HS256 token secret: only secret.get answers
// it, and nothing may log, audit or print it but `approov secret get`.
type TokenSecret struct {
	Secret    []byte    `json:"secret"`
	KeyID     string    `json:"kid,omitempty"`
	RotatedAt time.Time `json:"rotated_at,omitzero"` // zero until the first rotation
}

// String hides the secret from %v, %+v and %s: only its JSON carries it.
func (s TokenSecret) String() string { return "TokenSecret{secret: (hidden), kid: " + s.KeyID + "}" }

// GoString hides the secret from %#v.
func (s TokenSecret) GoString() string { return s.String() }

// LogValue hides the secret from slog.
func (s TokenSecret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// SecretInfo describes the secret without it: the answer of secret.rotate
// and secret.set-kid.
type SecretInfo struct {
	KeyID     string    `json:"kid,omitempty"`
	RotatedAt time.Time `json:"rotated_at,omitzero"`
}

// SetKeyIDRequest sets the kid header of the account's tokens ("" clears it).
type SetKeyIDRequest struct {
	KeyID string `json:"kid"`
}

// TokenExampleRequest asks the service for an example token: the service
// signs it, since a dev may not read the secret. Bind, when non-nil, is the
// data the token is bound to (pay); empty data binds too.
type TokenExampleRequest struct {
	Domain   string        `json:"domain"`
	Type     string        `json:"type,omitempty"` // "valid" (default) or "invalid"
	Bind     []byte        `json:"bind,omitzero"`
	TTL      time.Duration `json:"ttl,omitempty"` // nanoseconds; 0: one hour
	DeviceID string        `json:"did,omitempty"`
	IP       string        `json:"ip,omitempty"`
}

// TokenExample is an example token.
type TokenExample struct {
	Token string `json:"token"`
}

// TokenCheckRequest asks the service to check a token with the account
// secret. The token travels in the body, never in a URL.
type TokenCheckRequest struct {
	Token string `json:"token"`
	Bind  []byte `json:"bind,omitzero"` // non-nil: the binding must match it
}
