package auth

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func signedRequest(t *testing.T) (*Request, ed25519.PublicKey) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := &Request{Account: "acme", Method: "POST", Path: "/v1/accounts/acme/users", Query: "x=1", Body: []byte(`{"email":"a@example.com"}`)}
	r.Sign("ses_1", priv, t0)
	return r, pub
}

func TestRequestSignVerify(t *testing.T) {
	r, pub := signedRequest(t)
	if err := r.Verify(pub); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckFresh(t0); err != nil {
		t.Fatal(err)
	}
	// Every covered field matters.
	tamper := map[string]func(r *Request){
		"account": func(r *Request) { r.Account = "other" },
		"method":  func(r *Request) { r.Method = "GET" },
		"path":    func(r *Request) { r.Path = "/v1/accounts/acme/users/recover" },
		"query":   func(r *Request) { r.Query = "x=2" },
		"body":    func(r *Request) { r.Body = []byte(`{"email":"b@example.com"}`) },
		"created": func(r *Request) { r.Created++ },
		"nonce":   func(r *Request) { r.Nonce = NewNonce() },
		"key id":  func(r *Request) { r.KeyID = "ses_2" },
		"sig":     func(r *Request) { r.Signature = append([]byte{}, r.Signature[:63]...) },
	}
	for name, fn := range tamper {
		c := *r
		fn(&c)
		if err := c.Verify(pub); fault.KindOf(err) != fault.Auth {
			t.Errorf("tampered %s: %v, want auth error", name, err)
		}
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if err := r.Verify(other); err == nil {
		t.Error("verified under another key")
	}
}

func TestRequestWindow(t *testing.T) {
	r, _ := signedRequest(t)
	for _, tt := range []struct {
		at time.Time
		ok bool
	}{
		{t0, true},
		{t0.Add(Window), true},
		{t0.Add(-Window), true},
		{t0.Add(Window + time.Second), false},
		{t0.Add(-Window - time.Second), false},
	} {
		if err := r.CheckFresh(tt.at); (err == nil) != tt.ok {
			t.Errorf("CheckFresh at %s: %v, want ok=%v", tt.at.Sub(t0), err, tt.ok)
		}
	}
	var skew *SkewError
	if err := r.CheckFresh(t0.Add(time.Hour)); !errors.As(err, &skew) || skew.Skew != time.Hour || fault.KindOf(err) != fault.Auth {
		t.Errorf("stale request: %v, want a SkewError of 1h", err)
	}
	r.Nonce = ""
	if r.CheckFresh(t0) == nil {
		t.Error("empty nonce accepted")
	}
	if !r.Expiry().After(t0.Add(Window)) {
		t.Error("a nonce must be kept for longer than the window")
	}
}

func TestResponseSignVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := &Response{Nonce: "n1", Status: 200, Body: []byte(`{"user":"a"}`)}
	r.Sign(priv)
	if err := r.Verify(pub, "n1"); err != nil {
		t.Fatal(err)
	}
	bad := []func(r *Response){
		func(r *Response) { r.Body = []byte(`{"user":"b"}`) },
		func(r *Response) { r.Status = 201 },
		func(r *Response) { r.Nonce = "n2" },
		func(r *Response) { r.Time++ },
	}
	for i, fn := range bad {
		c := *r
		fn(&c)
		if err := c.Verify(pub, "n1"); fault.KindOf(err) != fault.Network {
			t.Errorf("forgery %d: %v, want network error", i, err)
		}
	}
	if err := r.Verify(pub, "n2"); err == nil {
		t.Error("an answer to another request verified")
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if err := r.Verify(other, "n1"); err == nil {
		t.Error("verified under another key")
	}
}

func TestMemoryReplayCache(t *testing.T) {
	c := NewMemoryReplayCache(2)
	exp := t0.Add(time.Minute)
	if err := c.Remember("a", exp, t0); err != nil {
		t.Fatal(err)
	}
	if err := c.Remember("a", exp, t0); err != ErrReplay {
		t.Fatalf("duplicate: %v, want ErrReplay", err)
	}
	if err := c.Remember("b", exp, t0); err != nil {
		t.Fatal(err)
	}
	if err := c.Remember("c", exp, t0); err == nil || fault.KindOf(err) != fault.Auth {
		t.Fatalf("full cache accepted a new nonce: %v", err)
	}
	later := exp
	if err := c.Remember("c", later.Add(time.Minute), later); err != nil {
		t.Fatalf("after expiry the cache must have room: %v", err)
	}
	if c.Len() != 1 {
		t.Fatalf("Len = %d, want 1 (expired entries dropped)", c.Len())
	}
	if err := c.Remember("a", later.Add(time.Minute), later); err != nil {
		t.Fatalf("an expired nonce may be seen again (the window rejects it anyway): %v", err)
	}
}
