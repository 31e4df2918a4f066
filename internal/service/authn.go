package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// authFailure is an authentication failure with its short audit reason.
type authFailure struct {
	reason string
	err    error
}

func deny(reason string, err error) *authFailure { return &authFailure{reason, err} }

// authSession checks a session-signed request. What only reads (the
// session, its signature, its role) runs in a read transaction, so the
// Ed25519 verification is not serialised behind the store's one writer
// (bbolt runs a batch's functions one after another); the write
// transaction then holds only the replay record and, on a failure, the
// audit record. A session revoked in between still loses: every handler
// re-checks it in its own transaction (live), or answers as of the check
// (whoami). The read checks ran in Serve, in the read that found the
// account (c.pre). On a store.Admitter the replay record goes with other
// requests' (authAdmitted).
func (s *Service) authSession(ctx context.Context, c *call) (*sessionRec, error) {
	sess, checked := c.pre.sess, c.pre.fail
	if checked == nil && s.opt.InProcess && c.op.Idempotent {
		if err := authorizeSession(c.op, sess.Role); err == nil {
			return sess, nil // no replay record to write (InProcess)
		}
	}
	if a, ok := s.st.(store.Admitter); ok && checked == nil {
		return s.authAdmitted(ctx, c, a, sess)
	}
	var fail *authFailure
	err := s.update(ctx, func(tx store.Tx) error {
		fail = checked // a re-run starts again from the read checks
		if fail == nil {
			fail = s.admitSession(tx, c, sess)
		}
		if fail == nil {
			return nil
		}
		ev := event{op: c.op.Name, target: c.req.KeyID, outcome: fail.reason}
		if sess != nil {
			ev.user, ev.role = sess.User, sess.Role
		}
		return s.record(tx, c.acct.ID, ev)
	})
	if err != nil {
		return nil, err
	}
	if fail != nil {
		return nil, fail.err
	}
	return sess, nil
}

// authAdmitted is authSession's write on a store.Admitter: the replay
// record goes with other requests' (admitNonce); only a refusal takes a
// transaction of its own, for its audit record.
func (s *Service) authAdmitted(ctx context.Context, c *call, a store.Admitter, sess *sessionRec) (*sessionRec, error) {
	var fail *authFailure
	if err := s.admitNonce(ctx, a, c.req.KeyID, c.req.Nonce, c.req.Expiry()); err != nil {
		if fault.KindOf(err) != fault.Auth {
			return nil, err // the store failed: nothing was decided
		}
		fail = deny("replayed", err)
	} else if err := authorizeSession(c.op, sess.Role); err != nil {
		fail = deny("denied", err)
	}
	if fail == nil {
		return sess, nil
	}
	ev := event{user: sess.User, role: sess.Role, op: c.op.Name, target: c.req.KeyID, outcome: fail.reason}
	if err := s.update(ctx, func(tx store.Tx) error { return s.record(tx, c.acct.ID, ev) }); err != nil {
		return nil, err
	}
	return nil, fail.err
}

// checkSession finds the request's session, verifies its signature and
// that the session is live.
func (s *Service) checkSession(tx store.Tx, c *call) sessionCheck {
	sess, err := s.dec.sessions.load(tx, store.Sessions, c.req.KeyID)
	if err != nil {
		return sessionCheck{fail: deny("error", err)}
	}
	if sess == nil || sess.Account != c.acct.ID {
		return sessionCheck{fail: deny("unknown-session", noSession("no such session"))}
	}
	if err := c.req.VerifyWith(sess.verifyKey()); err != nil {
		return sessionCheck{sess: sess, fail: deny("bad-signature", err)}
	}
	u, rr, fail := s.liveSession(tx, sess)
	return sessionCheck{sess: sess, user: u, role: rr, fail: fail}
}

// admitSession records the verified request's nonce (refusing a replay)
// and checks the session's role may run the operation. A denied request
// keeps its nonce, so its replay is refused as one.
func (s *Service) admitSession(tx store.Tx, c *call, sess *sessionRec) *authFailure {
	if err := s.remember(tx, c.req.KeyID, c.req.Nonce, c.req.Expiry()); err != nil {
		return deny("replayed", err)
	}
	if err := authorizeSession(c.op, sess.Role); err != nil {
		return deny("denied", err)
	}
	return nil
}

// liveSession checks a session is unexpired and its role still active in
// the epoch the session was opened in.
func (s *Service) liveSession(tx store.Tx, sess *sessionRec) (*userRec, *roleRec, *authFailure) {
	now := s.now()
	if !now.Before(sess.ExpiresAt) {
		return nil, nil, deny("expired-session", noSession("session expired"))
	}
	u, err := s.loadUser(tx, sess.Account, sess.User)
	if err != nil {
		return nil, nil, deny("error", err)
	}
	if u == nil || u.Gen != sess.Gen {
		return nil, nil, deny("revoked", noSession("user no longer exists"))
	}
	rr := u.Roles[sess.Role]
	if rr == nil || rr.Epoch != sess.Epoch || rr.state(now) != api.RoleActive {
		return nil, nil, deny("revoked", noSession(fmt.Sprintf("role %s was revoked, expired or re-enrolled", sess.Role)))
	}
	return u, rr, nil
}

func noSession(msg string) error {
	return fault.WithHint(fault.New(fault.Auth, "%s", msg), "log in again: approov role .")
}

// authCode checks a code-signed request: the code exists and signed it.
// Expiry and use are the handlers' business (they answer more precisely).
func (s *Service) authCode(ctx context.Context, c *call) (*codeRec, error) {
	var code codeRec
	var fail *authFailure
	err := s.update(ctx, func(tx store.Tx) error {
		code = codeRec{} // a re-run decodes afresh
		fail = s.checkCode(tx, c, &code)
		if fail == nil {
			return nil
		}
		return s.record(tx, c.acct.ID, event{user: code.User, op: c.op.Name, target: c.req.KeyID, outcome: fail.reason})
	})
	if err != nil {
		return nil, err
	}
	if fail != nil {
		return nil, fail.err
	}
	return &code, nil
}

func (s *Service) checkCode(tx store.Tx, c *call, code *codeRec) *authFailure {
	id, _ := strings.CutPrefix(c.req.KeyID, auth.CodePrefix)
	ok, err := getJSON(tx, store.Codes, id, code)
	if err != nil {
		return deny("error", err)
	}
	if !ok || code.Account != c.acct.ID {
		return deny("unknown-code", invalidCode())
	}
	if err := c.req.Verify(code.PublicKey); err != nil {
		return deny("bad-signature", invalidCode())
	}
	if err := s.remember(tx, c.req.KeyID, c.req.Nonce, c.req.Expiry()); err != nil {
		return deny("replayed", err)
	}
	return nil
}

func invalidCode() error {
	return fault.WithHint(fault.New(fault.Auth, "invalid or expired onboarding code"), "ask an admin for a new code: approov users add")
}
