package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// lp is one length-prefixed field as docs/api.md describes it.
func lp(b []byte) []byte { return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...) }

// TestTranscriptBytes pins the signed layouts docs/api.md documents byte by
// byte, so that an outside client written from the docs interoperates.
func TestTranscriptBytes(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := &Request{Account: "acme", Method: "GET", Path: "/v1/accounts/acme/audit", Query: "limit=2"}
	r.Sign("ses_1", priv, t0)
	var want []byte
	body := sha256.Sum256(nil)
	for _, f := range [][]byte{[]byte("approov-request-v2"), []byte("acme"), []byte("GET"), []byte("/v1/accounts/acme/audit"),
		[]byte("limit=2"), body[:], binary.BigEndian.AppendUint64(nil, uint64(t0.Unix())), []byte(r.Nonce), []byte("ses_1")} {
		want = append(want, lp(f)...)
	}
	if !ed25519.Verify(pub, want, r.Signature) {
		t.Fatal("the request signature is not over the documented transcript")
	}
	resp := &Response{Nonce: "n1", Status: 200, Time: t0.Unix(), Body: []byte(`{}`)}
	resp.Sign(priv)
	digest := sha256.Sum256([]byte(`{}`))
	want = nil
	for _, f := range [][]byte{[]byte("approov-response-v2"), []byte("n1"), {0, 200}, binary.BigEndian.AppendUint64(nil, uint64(t0.Unix())), digest[:]} {
		want = append(want, lp(f)...)
	}
	if !ed25519.Verify(pub, want, resp.Signature) {
		t.Fatal("the answer signature is not over the documented transcript")
	}
}
