package service

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// call is one authenticated request on its way to a handler.
type call struct {
	acct *accountRec
	req  *auth.Request
	op   api.Operation
	sess *sessionRec  // CredSession
	code *codeRec     // CredCode
	pre  sessionCheck // CredSession: Serve's check
	// stale is the time window's verdict, reached once (Serve), so the
	// session check and the refusal agree on it.
	stale error
}

// sessionCheck is checkSession's verdict, reached in Serve's one read
// (with the account), so that a session-signed request reads once before
// its write. That read is a store.Peek: its reads need no shared snapshot,
// each refusal only growing more certain with a later read, and on
// PostgreSQL it saves a transaction's BEGIN and COMMIT; the session and
// its user are prefetched with the account (sessionReads), so there it is
// one round trip.
type sessionCheck struct {
	sess *sessionRec
	user *userRec // the session's user and role as that check found them
	role *roleRec // (live), for a handler that only reads them (whoami)
	fail *authFailure
}

// Serve answers one request, as received from any transport: it routes it
// by method and path, and answers signed with the account's service key
// (unsigned only when no known account is named). It never keeps req.
func (s *Service) Serve(ctx context.Context, req *auth.Request) *auth.Response {
	op, err := s.route(req)
	if err != nil {
		return unsigned(req.Nonce, err)
	}
	c := &call{req: req, op: op, stale: s.checkFresh(op, req)}
	err = store.Peek(ctx, s.st, func(tx store.Tx) (err error) {
		if op.Cred == api.CredSession && c.stale == nil {
			store.Prefetch(tx, s.sessionReads(req)...)
		}
		if c.acct, err = s.loadAccount(tx, req.Account); err != nil {
			return err
		}
		if op.Cred == api.CredSession && c.stale == nil {
			c.pre = s.checkSession(tx, c)
		}
		return nil
	})
	if err != nil {
		return unsigned(req.Nonce, err)
	}
	body, err := s.dispatch(ctx, c)
	return answer(s.signingKey(c.acct), req.Nonce, s.now(), body, err)
}

// sessionReads are the keys checkSession reads, so that a store whose
// reads cost round trips reads them with the account (store.Prefetch):
// the session, and its user as the session's last decoding names it (a
// session's user never changes; the user itself is read afresh, and a
// guess that missed only costs the read it would have cost anyway).
func (s *Service) sessionReads(req *auth.Request) []store.Key {
	keys := []store.Key{{Bucket: store.Sessions, Key: req.KeyID}}
	if last := s.dec.sessions.recall(store.Sessions, req.KeyID); last != nil {
		keys = append(keys, store.Key{Bucket: store.Users, Key: userKey(last.Account, last.User)})
	}
	return keys
}

// route finds the operation and checks the request's shape against it
// before anything is looked up: the path names the signed account, the
// parts are within their bounds.
func (s *Service) route(req *auth.Request) (api.Operation, error) {
	if len(req.Nonce) > auth.MaxNonce {
		return api.Operation{}, fault.New(fault.Auth, "request has no valid nonce")
	}
	if len(req.Path)+len(req.Query) > api.MaxURL {
		return api.Operation{}, &api.StatusError{Status: http.StatusRequestURITooLong, Err: fault.New(fault.Invalid, "request path and query longer than %d bytes", api.MaxURL)}
	}
	op, account, err := api.Route(req.Method, req.Path)
	if err != nil {
		return op, err
	}
	if account != req.Account {
		return op, fault.New(fault.Invalid, "the path names account %q, the request %q", truncate(account, 60), truncate(req.Account, 60))
	}
	if _, ok := endpoints[op.Name]; !ok {
		return op, &api.StatusError{Status: http.StatusNotImplemented, Err: fault.New(fault.Invalid, "operation %s is not served here", op.Name)}
	}
	return op, api.CheckShape(op, req.Query, req.Body)
}

// dispatch authenticates c (its account found) and runs its handler.
func (s *Service) dispatch(ctx context.Context, c *call) ([]byte, error) {
	op, req := c.op, c.req
	if c.stale != nil {
		s.recordAlone(ctx, c.acct.ID, event{op: op.Name, target: req.KeyID, outcome: "stale-request"})
		return nil, c.stale
	}
	var err error
	switch op.Cred {
	case api.CredSession:
		c.sess, err = s.authSession(ctx, c)
	case api.CredCode:
		c.code, err = s.authCode(ctx, c)
	}
	if err != nil {
		return nil, err
	}
	return s.once(ctx, c, func() ([]byte, error) {
		out, err := endpoints[op.Name].serve(s, ctx, c)
		if errors.As(err, new(undecodable)) {
			s.auditUndecodable(ctx, c)
		}
		return out, err
	})
}

// auditUndecodable records a request whose parameters did not decode: a
// failed mutation for authenticated calls, a failed login for login.finish.
func (s *Service) auditUndecodable(ctx context.Context, c *call) {
	switch {
	case c.op.Cred != api.CredNone:
		s.recordAlone(ctx, c.acct.ID, c.event("undecodable"))
	case c.op == api.OpLoginFinish.Operation:
		s.recordAlone(ctx, c.acct.ID, event{op: "login", outcome: "invalid-request"})
	}
}

// event is an audit record of this call by its authenticated caller.
func (c *call) event(outcome string) event {
	e := event{op: c.op.Name, target: c.req.KeyID, outcome: outcome}
	switch {
	case c.sess != nil:
		e.user, e.role = c.sess.User, c.sess.Role
	case c.code != nil:
		e.user, e.target = c.code.User, c.code.ID
	}
	return e
}

// undecodable marks a request whose parameters did not decode, which
// dispatch audits.
type undecodable struct{ error }

func (u undecodable) Unwrap() error { return u.error }

// checkFresh applies the time window to every request but Info, which
// changes nothing and is how a client with a wrong clock first learns the key.
func (s *Service) checkFresh(op api.Operation, req *auth.Request) error {
	if op == api.OpInfo.Operation {
		return nil
	}
	return req.CheckFresh(s.now())
}

func answer(key ed25519.PrivateKey, nonce string, now time.Time, body []byte, err error) *auth.Response {
	resp := &auth.Response{Nonce: nonce, Status: api.StatusOf(err), Time: now.Unix(), Body: body}
	if err != nil {
		resp.Body, _ = json.Marshal(api.ToWire(err))
	}
	resp.Sign(key)
	return resp
}

// unsigned answers a request naming no known account (so no key to sign
// with), echoing its nonce only when that is well formed.
func unsigned(nonce string, err error) *auth.Response {
	if len(nonce) > auth.MaxNonce {
		nonce = ""
	}
	body, _ := json.Marshal(api.ToWire(err))
	return &auth.Response{Nonce: nonce, Status: api.StatusOf(err), Body: body}
}

// Refuse answers req with err without running it, signed like any answer
// of the account req names (unsigned when none is known): a server's own
// refusals, such as a rate limit, stay verifiable by the client.
func (s *Service) Refuse(ctx context.Context, req *auth.Request, err error) *auth.Response {
	var acct *accountRec
	lookup := s.view(ctx, func(tx store.Tx) (e error) {
		acct, e = s.loadAccount(tx, req.Account)
		return e
	})
	if lookup != nil || len(req.Nonce) > auth.MaxNonce {
		return unsigned(req.Nonce, err)
	}
	return answer(s.signingKey(acct), req.Nonce, s.now(), nil, err)
}

// Ping checks that the store answers a read transaction and, where it
// can tell (store.WriteChecker), that it accepts writes: every signed
// request writes its replay record, so a read-only store (a PostgreSQL
// standby) cannot serve.
func (s *Service) Ping(ctx context.Context) error {
	if w, ok := s.st.(store.WriteChecker); ok {
		return w.CheckWritable(ctx)
	}
	return s.view(ctx, func(store.Tx) error { return nil })
}
