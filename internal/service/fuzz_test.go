package service_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/role"
)

// recording captures the raw requests a client sends.
type recording struct {
	next handlerTransport
	reqs [][]byte
}

func (r *recording) Exchange(ctx context.Context, req []byte) ([]byte, error) {
	r.reqs = append(r.reqs, req)
	return r.next.Exchange(ctx, req)
}

// FuzzHandle feeds arbitrary envelopes to the service: it must always
// answer with a decodable response and never panic.
func FuzzHandle(f *testing.F) {
	h := newHarness(f, nil)
	rec := &recording{next: handlerTransport{h.svc}}
	c := backend.NewClient(rec, backend.ClientOptions{Account: "acme", Fingerprint: h.code.ServiceKey, Now: h.clock.Now})
	c.InspectCode(h.ctx, h.code)
	c.LoginStart(h.ctx, api.LoginStartRequest{Account: "acme", User: "owner@example.com", Role: role.Admin})
	c.WhoAmI(h.ctx, backend.Caller{Account: "acme", Session: "ses_x", Key: h.code.Key()})
	for _, r := range rec.reqs {
		f.Add(r)
	}
	f.Add([]byte(`{"account":"acme","method":"POST","path":"/v1/users","body":"e30=","created":1,"nonce":"n","key_id":"ses_"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var resp auth.Response
		if err := json.Unmarshal(h.svc.Handle(h.ctx, raw), &resp); err != nil {
			t.Fatalf("undecodable answer: %v", err)
		}
		// Every seed was already sent once: a credentialed operation can only
		// succeed on a replay or a forgery.
		var req auth.Request
		if resp.OK && json.Unmarshal(raw, &req) == nil {
			if op, _ := api.Lookup(req.Method, req.Path); op.Cred != api.CredNone {
				t.Fatalf("%s succeeded on a fuzzed request", op.Name)
			}
		}
	})
}
