package backendtest

import (
	"net/http"
	"strings"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
)

// contractCases are the cases about the HTTP mapping: what the signature covers, strict requests.
var contractCases = []testCase{
	{"TamperedQuery", testTamperedQuery, nil},
	{"Strictness", testStrictness, nil},
}

// testTamperedQuery: the signature covers the query string of a GET.
func testTamperedQuery(f *fixture) {
	_, admin := f.admin()
	rec := &recorder{next: f.env.Transport, request: func(req *auth.Request) {
		req.Query = strings.Replace(req.Query, "limit=2", "limit=3", 1)
	}}
	c := f.client(func(backend.Transport) backend.Transport { return rec }, nil)
	_, err := c.ListAudit(f.ctx, admin, api.AuditQuery{Limit: 2})
	wantKind(f.t, err, fault.Auth, "tampered query")
	if got := rec.requests[len(rec.requests)-1].req.Query; got != "limit=3" {
		f.t.Fatalf("the audit query travelled as %q, want limit=3 after tampering", got)
	}
}

// accountMismatch stands for either refusal of a request whose path names
// another account than it was signed for (see the case).
const accountMismatch = -1

// testStrictness: requests that do not fit their operation are refused with
// the documented status before anything runs, even when properly signed.
func testStrictness(f *fixture) {
	_, admin := f.admin()
	acct := admin.Account
	users := api.OpUsersList.PathFor(acct)
	for _, tt := range []struct {
		name   string
		req    auth.Request
		status int
	}{
		{"GET with a body", auth.Request{Method: "GET", Path: users, Body: []byte("{}")}, http.StatusUnprocessableEntity},
		{"POST with a query", auth.Request{Method: "POST", Path: users, Query: "email=a", Body: []byte(`{"email":"a@example.com","roles":["dev"]}`)}, http.StatusUnprocessableEntity},
		{"unknown body field", auth.Request{Method: "POST", Path: users, Body: []byte(`{"email":"a@example.com","roles":["dev"],"admin":true}`)}, http.StatusUnprocessableEntity},
		{"two JSON values", auth.Request{Method: "POST", Path: users, Body: []byte(`{"email":"a@example.com","roles":["dev"]}{}`)}, http.StatusUnprocessableEntity},
		{"body over the limit", auth.Request{Method: "POST", Path: users, Body: []byte(`{"email":"` + strings.Repeat("a", api.OpUsersAdd.MaxBody) + `"}`)}, http.StatusRequestEntityTooLarge},
		{"unknown query parameter", auth.Request{Method: "GET", Path: api.OpAuditList.PathFor(acct), Query: "lmit=2"}, http.StatusUnprocessableEntity},
		{"non-canonical query", auth.Request{Method: "GET", Path: api.OpAuditList.PathFor(acct), Query: "since=2026-11-22T10:00:00Z"}, http.StatusUnprocessableEntity},
		{"repeated query parameter", auth.Request{Method: "GET", Path: api.OpAuditList.PathFor(acct), Query: "limit=1&limit=2"}, http.StatusUnprocessableEntity},
		// Over HTTP the path is the only place the account travels, so the
		// server sees a request for "other" signed over "acme": refused as
		// unauthenticated (401) rather than as a mismatch (422).
		{"another account's path", auth.Request{Method: "GET", Path: api.OpUsersList.PathFor("other"), Body: nil}, accountMismatch},
		{"no such path", auth.Request{Method: "GET", Path: "/v1/accounts/" + acct + "/nope"}, http.StatusNotFound},
		{"wrong method", auth.Request{Method: "PUT", Path: users}, http.StatusMethodNotAllowed},
	} {
		req := tt.req
		req.Account = acct
		req.Sign(admin.Session, admin.Key, f.clock.Now())
		resp := f.resend(sent{api.OpUsersList.Operation, req})
		err := answerErr(f, resp)
		if tt.status == accountMismatch && (resp.Status == http.StatusUnprocessableEntity || resp.Status == http.StatusUnauthorized) {
			continue
		}
		if err == nil || resp.Status != tt.status {
			f.t.Errorf("%s: status %d (%v), want %d", tt.name, resp.Status, err, tt.status)
		}
	}
	users2, err := f.b.ListUsers(f.ctx, admin)
	must(f.t, err)
	if len(users2) != 1 {
		f.t.Fatalf("a refused request changed state: %+v", users2)
	}
}
