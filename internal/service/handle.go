package service

import (
	"context"
	"encoding/json"
	"errors"
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
	sess *sessionRec // CredSession
	code *codeRec    // CredCode
}

type handler func(s *Service, ctx context.Context, c *call) (any, error)

// handlers maps operation names to their implementation.
var handlers = map[string]handler{
	api.OpInfo.Name:         (*Service).info,
	api.OpInspectCode.Name:  (*Service).inspectCode,
	api.OpRedeem.Name:       (*Service).redeem,
	api.OpLoginStart.Name:   (*Service).loginStart,
	api.OpLoginFinish.Name:  (*Service).loginFinish,
	api.OpWhoAmI.Name:       (*Service).whoami,
	api.OpLogout.Name:       (*Service).logout,
	api.OpPassword.Name:     (*Service).changePassword,
	api.OpUsersAdd.Name:     (*Service).addUser,
	api.OpUsersList.Name:    (*Service).listUsers,
	api.OpUsersRevoke.Name:  (*Service).revokeRole,
	api.OpUsersRemove.Name:  (*Service).removeUser,
	api.OpUsersRecover.Name: (*Service).recoverUser,
	api.OpAuditList.Name:    (*Service).auditList,
}

// Handle serves one exchange: raw is the JSON of an auth.Request as it came
// off the wire; the answer is the JSON of an auth.Response signed with the
// account's service key (unsigned only when the account is unknown).
func (s *Service) Handle(ctx context.Context, raw []byte) []byte {
	var req auth.Request
	if len(raw) > api.MaxMessage {
		return unsigned("", fault.New(fault.Invalid, "request larger than %d bytes", api.MaxMessage))
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return unsigned("", fault.New(fault.Invalid, "undecodable request envelope"))
	}
	var acct *accountRec
	err := s.view(ctx, func(tx store.Tx) (err error) {
		acct, err = loadAccount(tx, req.Account)
		return err
	})
	if err != nil {
		return unsigned(req.Nonce, err)
	}
	out, err := s.dispatch(ctx, acct, &req)
	return answer(acct, req.Nonce, s.now(), out, err)
}

func (s *Service) dispatch(ctx context.Context, acct *accountRec, req *auth.Request) (any, error) {
	op, ok := api.Lookup(req.Method, req.Path)
	if !ok {
		return nil, fault.New(fault.Invalid, "no operation %s %s", req.Method, req.Path)
	}
	if err := s.checkFresh(op, req); err != nil {
		s.recordAlone(ctx, acct.ID, event{op: op.Name, target: req.KeyID, outcome: "stale-request"})
		return nil, err
	}
	c := &call{acct: acct, req: req, op: op}
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
	out, err := handlers[op.Name](s, ctx, c)
	if errors.As(err, new(undecodable)) && op.Cred != api.CredNone {
		s.recordAlone(ctx, acct.ID, c.event("undecodable"))
	}
	return out, err
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

// undecodable marks a request body that did not decode, which dispatch
// audits for authenticated calls (login audits its own).
type undecodable struct{ error }

func (u undecodable) Unwrap() error { return u.error }

// checkFresh applies the time window to every request but Info, which
// changes nothing and is how a client with a wrong clock first learns the key.
func (s *Service) checkFresh(op api.Operation, req *auth.Request) error {
	if op == api.OpInfo {
		return nil
	}
	return req.CheckFresh(s.now())
}

// decode unpacks the request body into v.
func (c *call) decode(v any) error {
	if err := json.Unmarshal(c.req.Body, v); err != nil {
		return undecodable{fault.New(fault.Invalid, "undecodable %s request: %v", c.op.Name, err)}
	}
	return nil
}

func answer(acct *accountRec, nonce string, now time.Time, out any, err error) []byte {
	resp := auth.Response{Nonce: nonce, OK: err == nil, Time: now.Unix()}
	if err != nil {
		resp.Body, _ = json.Marshal(api.ToWire(err))
	} else if resp.Body, err = json.Marshal(out); err != nil {
		resp.OK = false
		resp.Body, _ = json.Marshal(api.ToWire(fault.Wrap(fault.Internal, err)))
	}
	resp.Sign(acct.serviceKey())
	raw, _ := json.Marshal(resp)
	return raw
}

func unsigned(nonce string, err error) []byte {
	body, _ := json.Marshal(api.ToWire(err))
	raw, _ := json.Marshal(auth.Response{Nonce: nonce, Body: body})
	return raw
}
