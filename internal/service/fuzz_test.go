package service_test

import (
	"context"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/role"
)

// recording captures the requests a client sends.
type recording struct {
	next handlerTransport
	reqs []auth.Request
}

func (r *recording) Exchange(ctx context.Context, op api.Operation, req *auth.Request) (*auth.Response, error) {
	r.reqs = append(r.reqs, *req)
	return r.next.Exchange(ctx, op, req)
}

// FuzzServe feeds arbitrary requests, part by part as HTTP carries them, to
// the service: it must always answer with a status and never panic.
func FuzzServe(f *testing.F) {
	h := newHarness(f, nil)
	rec := &recording{next: handlerTransport{h.svc}}
	c := backend.NewClient(rec, backend.ClientOptions{Account: "acme", Fingerprint: h.code.ServiceKey, Now: h.clock.Now})
	c.InspectCode(h.ctx, h.code)
	c.LoginStart(h.ctx, api.LoginStartRequest{Account: "acme", User: "owner@example.com", Role: role.Admin})
	c.WhoAmI(h.ctx, backend.Caller{Account: "acme", Session: "ses_x", Key: h.code.Key()})
	c.ListAudit(h.ctx, backend.Caller{Account: "acme", Session: "ses_x", Key: h.code.Key()}, api.AuditQuery{Limit: 3})
	for _, r := range rec.reqs {
		f.Add(r.Method, r.Path, r.Query, r.Body, r.Created, r.Nonce, r.KeyID, r.Signature)
	}
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte, created int64, nonce, keyID string, sig []byte) {
		req := auth.Request{Account: "acme", Method: method, Path: path, Query: query, Body: body,
			Created: created, Nonce: nonce, KeyID: keyID, Signature: sig}
		resp := h.svc.Serve(h.ctx, &req)
		if resp == nil || resp.Status < 200 || resp.Status > 599 {
			t.Fatalf("answer %+v", resp)
		}
		// Every seed was already sent once: a credentialed operation can only
		// succeed on a replay or a forgery.
		if op, _, err := api.Route(method, path); resp.OK() && err == nil && op.Cred != api.CredNone {
			t.Fatalf("%s succeeded on a fuzzed request", op.Name)
		}
	})
}
