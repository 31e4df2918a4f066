package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
)

// serveAPI is one exchange of docs/api.md: the HTTP request becomes the
// auth.Request part by part, the service answers it, and the answer goes
// back as status, headers and body. Nothing here authenticates: the
// service does, exactly as for the embedded backend.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	req, err := s.request(w, r)
	noteOp(r, req)
	if err == nil {
		err = s.limits.allow(clientAddr(r), req.Account)
	}
	if err != nil {
		writeAnswer(w, s.cfg.Service.Refuse(r.Context(), req, err))
		return
	}
	req.ClientAddr = clientAddr(r)
	resp := s.cfg.Service.Serve(r.Context(), req)
	writeAnswer(w, resp)
}

// request reads the parts of a signed request. A malformed header becomes
// a zero part, which the service refuses with its own, audited, reason.
func (s *Server) request(w http.ResponseWriter, r *http.Request) (*auth.Request, error) {
	path, query := r.URL.EscapedPath(), r.URL.RawQuery
	req := &auth.Request{Method: r.Method, Path: path, Query: query, Nonce: r.Header.Get(api.HeaderNonce),
		KeyID: r.Header.Get(api.HeaderKeyID), IdempotencyKey: r.Header.Get(api.HeaderIdempotencyKey)}
	if _, account, err := api.Route(r.Method, path); err == nil {
		req.Account = account
	}
	req.Created, _ = strconv.ParseInt(r.Header.Get(api.HeaderCreated), 10, 64)
	req.Signature, _ = base64.RawURLEncoding.DecodeString(r.Header.Get(api.HeaderSignature))
	if len(path)+len(query) > api.MaxURL {
		return req, &api.StatusError{Status: http.StatusRequestURITooLong,
			Err: fault.New(fault.Invalid, "request path and query longer than %d bytes", api.MaxURL)}
	}
	body, err := readBody(w, r)
	req.Body = body
	return req, err
}

// readBody reads at most api.MaxMessage bytes; the service applies the
// operation's own, smaller, limit.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > api.MaxMessage {
		return nil, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxMessage))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge()
	case err != nil:
		return nil, fault.New(fault.Invalid, "cannot read the request body")
	}
	if len(body) == 0 {
		body = nil
	}
	return body, nil
}

func tooLarge() error {
	return &api.StatusError{Status: http.StatusRequestEntityTooLarge,
		Err: fault.New(fault.Invalid, "request body over %d bytes", api.MaxMessage)}
}

// writeAnswer puts a signed answer on the wire (docs/api.md, "Answers").
func writeAnswer(w http.ResponseWriter, resp *auth.Response) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set(api.HeaderNonce, resp.Nonce)
	if resp.Time != 0 {
		h.Set(api.HeaderTime, strconv.FormatInt(resp.Time, 10))
	}
	if len(resp.Signature) > 0 {
		h.Set(api.HeaderSignature, base64.RawURLEncoding.EncodeToString(resp.Signature))
	}
	if after := retryAfter(resp); after != "" {
		h.Set("Retry-After", after)
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}

// retryAfter is the Retry-After header of a rate-limited answer.
func retryAfter(resp *auth.Response) string {
	var w api.WireError
	if resp.Status != http.StatusTooManyRequests || json.Unmarshal(resp.Body, &w) != nil || w.RetryAfter <= 0 {
		return ""
	}
	return strconv.FormatInt(w.RetryAfter, 10)
}
