package auth

import (
	"crypto/ed25519"
	"encoding/binary"

	"github.com/approov-cli/approov/internal/fault"
)

// Response is a service answer signed with the service key: an HTTP
// answer's status and body, plus the nonce and time the signature covers.
// It is bound to the request's nonce, so an old answer cannot be replayed
// to a new request.
type Response struct {
	Nonce     string `json:"nonce"`          // the request's nonce
	Status    int    `json:"status"`         // HTTP status: 2xx, or Body is an error object
	Time      int64  `json:"time"`           // the service clock, Unix seconds (for skew correction)
	Body      []byte `json:"body,omitempty"` // JSON
	Signature []byte `json:"sig"`
}

// OK reports a successful answer (a 2xx status).
func (r *Response) OK() bool { return r.Status >= 200 && r.Status < 300 }

func (r *Response) bytes() []byte {
	status := binary.BigEndian.AppendUint16(nil, uint16(r.Status))
	return transcript(purposeResponse, []byte(r.Nonce), status, int64Bytes(r.Time), Digest(r.Body))
}

// Sign signs r with the service key.
func (r *Response) Sign(serviceKey ed25519.PrivateKey) {
	r.Signature = sign(serviceKey, r.bytes())
}

// Verify checks that r answers the request with nonce and was signed by
// the pinned service key. A failure means a forged or altered answer.
func (r *Response) Verify(serviceKey ed25519.PublicKey, nonce string) error {
	return r.VerifyWith(NewVerifyKey(serviceKey), nonce)
}

// VerifyWith is Verify under the prepared service key (a client verifies
// every answer under the same key).
func (r *Response) VerifyWith(serviceKey *VerifyKey, nonce string) error {
	if r.Nonce != nonce || !serviceKey.verify(r.bytes(), r.Signature) {
		return fault.WithHint(fault.New(fault.Network, "the service's answer is not signed by the pinned service key"),
			"someone may be intercepting the connection; do not retry blindly")
	}
	return nil
}
