// Package backend is the client side of the service API: the Backend
// interface, the generic Call that runs any operation of internal/api with
// its typed request and answer, and the signing Client. Transports: local
// (the service in-process on an embedded store) and, later, remote (HTTPS
// to approovd). backendtest holds the conformance suite every
// implementation must pass.
//
// Every implementation exchanges the same signed requests and answers
// (auth.Request, auth.Response): authenticated operations take a Caller and
// sign the request with its key; every answer is verified against the
// pinned service key before it is decoded. The API is stable: changes are
// additive only.
package backend

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
)

// Backend is the service API.
//
// Errors are classified with internal/fault: Auth (no, expired, revoked or
// forged session; bad credentials; rate limited — see api.RetryAfter),
// Permission (the role may not do this), Conflict (a lost race, e.g. a code
// already redeemed), Invalid (bad input), Network (unreachable, or an answer
// not signed by the pinned key).
//
// Send is the one exchange every operation goes through: run an operation
// with Call, which encodes its typed request and decodes its typed answer.
// A new operation needs no method here. The named methods below are
// shorthands for the first operations, kept for their callers.
type Backend interface {
	// Send signs the encoded request (api.EncodeRequest) for op as who and
	// returns the verified answer body.
	Send(ctx context.Context, op api.Operation, who Caller, query string, body []byte) ([]byte, error)

	// Info returns the service's account id, signing key and the Argon2id
	// parameters new enrolments must use. Unauthenticated; a client must
	// check ServiceKey against the fingerprint its code or token carries
	// (a Client built with a fingerprint does so itself).
	Info(ctx context.Context) (api.ServiceInfo, error)

	// InspectCode shows what a code grants without spending it. The request
	// is signed with the code's key.
	InspectCode(ctx context.Context, code auth.Code) (api.CodeInfo, error)
	// Redeem spends a code (atomically, once) and enrols one key per granted
	// role plus a recovery PIN verifier. The request is signed with the
	// code's key, so a man in the middle cannot swap the enrolled keys.
	Redeem(ctx context.Context, code auth.Code, req api.RedeemRequest) (api.Redeemed, error)

	// LoginStart returns a fresh challenge and the salt and parameters of the
	// user's role key. Unknown users get a stable fake salt: the answer looks
	// the same.
	LoginStart(ctx context.Context, req api.LoginStartRequest) (api.LoginChallenge, error)
	// LoginFinish opens a one-hour session bound to req.SessionKey when the
	// signature over the auth.LoginStatement verifies.
	LoginFinish(ctx context.Context, req api.LoginFinishRequest) (api.SessionGrant, error)

	// WhoAmI describes the caller's session, user and roles.
	WhoAmI(ctx context.Context, c Caller) (api.Identity, error)
	// Logout ends the caller's session.
	Logout(ctx context.Context, c Caller) error
	// ChangePassword re-enrols the caller's role key (password or management
	// token) and ends every session of that user and role, the caller's too.
	ChangePassword(ctx context.Context, c Caller, e api.Enrolment) error

	// AddUser invites a user (or grants more roles to an existing one) and
	// returns a single-use onboarding code. Admin only.
	AddUser(ctx context.Context, c Caller, req api.AddUserRequest) (api.Invitation, error)
	// ListUsers lists the account's users and roles. Admin only.
	ListUsers(ctx context.Context, c Caller) ([]api.User, error)
	// RevokeRole revokes one role of a user; its live sessions die at once.
	RevokeRole(ctx context.Context, c Caller, req api.RevokeRoleRequest) error
	// RemoveUser removes a user, their roles, codes and sessions.
	RemoveUser(ctx context.Context, c Caller, req api.RemoveUserRequest) error
	// RecoverUser issues a recovery code for a user; redeeming it needs the
	// user's recovery PIN as well. Admin only.
	RecoverUser(ctx context.Context, c Caller, req api.RecoverUserRequest) (api.Invitation, error)
	// ListAudit lists audit events, oldest first. Admin only.
	ListAudit(ctx context.Context, c Caller, q api.AuditQuery) ([]api.AuditEvent, error)
}

// Caller is what signed operations sign with: an open session, or an
// onboarding code (CodeCaller). Unsigned operations take Anonymous.
type Caller struct {
	Account string
	Session string             // session id from api.SessionGrant, or "aoc_<id>" for a code
	Key     ed25519.PrivateKey // session (or code) private key
}

// Anonymous is the Caller of unsigned operations.
var Anonymous = Caller{}

// ErrNoAnswer marks a failed call whose request reached the server but
// whose answer never came back (the server died, the connection broke):
// the operation may or may not have run, and only asking the service
// tells which. Transports wrap it; commands test it with errors.Is.
var ErrNoAnswer = errors.New("the request reached the server but no answer came back")

// CodeCaller signs with a code's key under the key id "aoc_<id>".
func CodeCaller(code auth.Code) Caller {
	return Caller{Account: code.Account, Session: auth.CodePrefix + code.ID, Key: code.Key()}
}

// Call runs op as who with its typed request and answer.
func Call[Req, Resp any](ctx context.Context, b Backend, op api.Op[Req, Resp], who Caller, req Req) (Resp, error) {
	var out Resp
	query, body, err := api.EncodeRequest(op, req)
	if err != nil {
		return out, fault.Wrap(fault.Internal, err)
	}
	raw, err := b.Send(ctx, op.Operation, who, query, body)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fault.New(fault.Network, "undecodable %s answer: %v", op.Name, err)
	}
	return out, nil
}
