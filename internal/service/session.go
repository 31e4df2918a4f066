package service

import (
	"context"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// live re-checks the caller's session inside a handler's transaction, so a
// revocation committed since authentication still wins.
func (s *Service) live(tx store.Tx, c *call) (*userRec, *roleRec, error) {
	u, rr, fail := s.liveSession(tx, c.sess)
	if fail != nil {
		return nil, nil, fail.err
	}
	return u, rr, nil
}

// mutate runs fn in a write transaction after re-checking the session, and
// audits the outcome: success inside the transaction, failure after it.
func (s *Service) mutate(ctx context.Context, c *call, target string, fn func(tx store.Tx, u *userRec, rr *roleRec) error) error {
	err := s.update(ctx, func(tx store.Tx) error {
		u, rr, err := s.live(tx, c)
		if err != nil {
			return err
		}
		if err := fn(tx, u, rr); err != nil {
			return err
		}
		return s.record(tx, c.acct.ID, event{user: c.sess.User, role: c.sess.Role, op: c.op.Name, target: target, outcome: outcomeOK})
	})
	if err != nil {
		s.recordAlone(ctx, c.acct.ID, event{user: c.sess.User, role: c.sess.Role, op: c.op.Name, target: target, outcome: "failed: " + fault.KindOf(err).String()})
	}
	return err
}

// sessionOps are the operations on the caller's own session and role key.
var sessionOps = []endpoint{
	serve(api.OpWhoAmI, (*Service).whoami),
	serve(api.OpLogout, (*Service).logout),
	serve(api.OpPassword, (*Service).changePassword),
}

// whoami answers from what authenticated the request (Serve's check): it
// only reads the session, its user and role, and reading them again would
// cost a read transaction for the same answer (the request takes effect
// when that check ran, before its replay record was written).
func (s *Service) whoami(ctx context.Context, c *call, _ api.Empty) (api.Identity, error) {
	u, rr := c.pre.user, c.pre.role
	if u == nil || rr == nil {
		err := s.view(ctx, func(tx store.Tx) (err error) {
			u, rr, err = s.live(tx, c)
			return err
		})
		if err != nil {
			return api.Identity{}, err
		}
	}
	return api.Identity{Account: c.acct.ID, User: u.Email, Role: c.sess.Role, Session: c.sess.ID,
		SessionExpiresAt: c.sess.ExpiresAt, RoleExpiresAt: rr.ExpiresAt, Roles: u.grants(s.now())}, nil
}

func (s *Service) logout(ctx context.Context, c *call, _ api.Empty) (api.Empty, error) {
	return api.Empty{}, s.mutate(ctx, c, c.sess.ID, func(tx store.Tx, _ *userRec, _ *roleRec) error {
		return tx.Delete(store.Sessions, c.sess.ID)
	})
}

// changePassword re-enrols the caller's own role key (for automation, a new
// management token); bumping the epoch ends every session of that role, the
// caller's included.
func (s *Service) changePassword(ctx context.Context, c *call, e api.Enrolment) (api.Empty, error) {
	return api.Empty{}, s.mutate(ctx, c, string(c.sess.Role), func(tx store.Tx, u *userRec, rr *roleRec) error {
		if e.Role != c.sess.Role {
			return fault.New(fault.Permission, "a %s session can only change the %s key, not %s", c.sess.Role, c.sess.Role, e.Role)
		}
		if err := s.validVerifier(e.Role, e.Verifier); err != nil {
			return err
		}
		rr.Verifier, rr.Epoch = storedVerifier(e.Verifier), rr.Epoch+1
		return saveUser(tx, c.acct.ID, u)
	})
}
