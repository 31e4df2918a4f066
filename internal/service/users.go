package service

import (
	"context"
	"encoding/json"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

// userOps are the admin's operations on the account's users.
var userOps = []endpoint{
	serve(api.OpUsersAdd, (*Service).addUser),
	serve(api.OpUsersList, (*Service).listUsers),
	serve(api.OpUsersRevoke, (*Service).revokeRole),
	serve(api.OpUsersRemove, (*Service).removeUser),
	serve(api.OpUsersRecover, (*Service).recoverUser),
}

// addUser invites a user, or grants roles to an existing one, with a fresh
// onboarding code. The roles' expiry defaults to the inviting admin's own.
func (s *Service) addUser(ctx context.Context, c *call, req api.AddUserRequest) (api.Invitation, error) {
	req.Email = normUser(req.Email)
	var inv api.Invitation
	err := s.mutate(ctx, c, req.Email, func(tx store.Tx, _ *userRec, me *roleRec) error {
		req := req // validInvite fills defaults: each run starts from the request
		if err := s.validInvite(&req, me); err != nil {
			return err
		}
		u, err := s.loadUser(tx, c.acct.ID, req.Email)
		if err != nil {
			return err
		}
		if u == nil {
			u = newUser(req.Email, s.now())
		}
		for _, r := range req.Roles {
			if rr := u.Roles[r]; rr != nil && rr.state(s.now()) == api.RoleActive {
				return fault.New(fault.Conflict, "%s already has the %s role", req.Email, r)
			}
		}
		inv, err = s.issueCode(tx, c.acct, u, onboardingCode, req.Roles, req.RoleExpiresAt, req.CodeTTL, c.sess.User)
		return err
	})
	return inv, err
}

func (s *Service) validInvite(req *api.AddUserRequest, me *roleRec) error {
	if err := validUser(req.Email); err != nil {
		return err
	}
	if len(req.Roles) == 0 {
		return fault.New(fault.Usage, "give at least one role")
	}
	seen := map[role.Role]bool{}
	for _, r := range req.Roles {
		if _, err := role.Parse(string(r)); err != nil || seen[r] {
			return fault.New(fault.Usage, "invalid or repeated role %q", r)
		}
		seen[r] = true
	}
	if req.RoleExpiresAt.IsZero() {
		req.RoleExpiresAt = me.ExpiresAt
	}
	// A time-limited admin cannot make its power outlive it.
	if !me.ExpiresAt.IsZero() && req.RoleExpiresAt.After(me.ExpiresAt) {
		return fault.New(fault.Permission, "your admin role expires %s: you cannot grant roles that last longer", me.ExpiresAt.Format(time.RFC3339))
	}
	if !req.RoleExpiresAt.IsZero() && !req.RoleExpiresAt.After(s.now()) {
		return fault.New(fault.Usage, "role expiry %s is in the past", req.RoleExpiresAt.Format("2006-01-02T15:04:05Z07:00"))
	}
	return nil
}

func (s *Service) listUsers(ctx context.Context, c *call, _ api.Empty) ([]api.User, error) {
	out := []api.User{}
	err := s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		return scanPrefix(tx, store.Users, c.acct.ID+"\x00", func(_ string, v []byte) error {
			var u userRec
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			out = append(out, s.userView(&u))
			return nil
		})
	})
	return out, err
}

func (s *Service) userView(u *userRec) api.User {
	now := s.now()
	v := api.User{Email: u.Email, CreatedAt: u.Created, Roles: []api.UserRole{}}
	for _, r := range role.All {
		if rr, ok := u.Roles[r]; ok {
			v.Roles = append(v.Roles, api.UserRole{Role: r, State: rr.state(now), ExpiresAt: rr.ExpiresAt})
		}
	}
	return v
}

// revokeRole revokes a role; the epoch bump kills its live sessions.
func (s *Service) revokeRole(ctx context.Context, c *call, req api.RevokeRoleRequest) (api.Empty, error) {
	req.Email = normUser(req.Email)
	return api.Empty{}, s.mutate(ctx, c, req.Email+" "+string(req.Role), func(tx store.Tx, _ *userRec, _ *roleRec) error {
		u, err := s.existingUser(tx, c.acct.ID, req.Email)
		if err != nil {
			return err
		}
		rr := u.Roles[req.Role]
		if rr == nil || rr.Revoked {
			return fault.New(fault.Invalid, "%s has no %s role to revoke", req.Email, req.Role)
		}
		if req.Role == role.Admin {
			if err := s.keepAnAdmin(tx, c.acct.ID, req.Email, rr.ExpiresAt.IsZero()); err != nil {
				return err
			}
		}
		rr.Revoked, rr.CodeID, rr.Epoch = true, "", rr.Epoch+1
		return saveUser(tx, c.acct.ID, u)
	})
}

func (s *Service) removeUser(ctx context.Context, c *call, req api.RemoveUserRequest) (api.Empty, error) {
	req.Email = normUser(req.Email)
	return api.Empty{}, s.mutate(ctx, c, req.Email, func(tx store.Tx, _ *userRec, _ *roleRec) error {
		u, err := s.existingUser(tx, c.acct.ID, req.Email)
		if err != nil {
			return err
		}
		if rr := u.Roles[role.Admin]; rr != nil && rr.state(s.now()) == api.RoleActive {
			if err := s.keepAnAdmin(tx, c.acct.ID, req.Email, rr.ExpiresAt.IsZero()); err != nil {
				return err
			}
		}
		return tx.Delete(store.Users, userKey(c.acct.ID, req.Email))
	})
}

// recoverUser issues a recovery code for every live password role of a
// user. Automation is left out: it never shows its PIN, and its token is
// replaced by rotation (password) or by revoking and inviting again.
func (s *Service) recoverUser(ctx context.Context, c *call, req api.RecoverUserRequest) (api.Invitation, error) {
	req.Email = normUser(req.Email)
	var inv api.Invitation
	err := s.mutate(ctx, c, req.Email, func(tx store.Tx, _ *userRec, _ *roleRec) error {
		u, err := s.existingUser(tx, c.acct.ID, req.Email)
		if err != nil {
			return err
		}
		if u.PIN == nil {
			return fault.New(fault.Invalid, "%s never redeemed a code, so has no recovery PIN: use approov users add", req.Email)
		}
		var roles []role.Role
		for _, r := range role.All {
			if rr := u.Roles[r]; r != role.Automation && rr != nil && rr.Verifier != nil && rr.state(s.now()) == api.RoleActive {
				roles = append(roles, r)
			}
		}
		if len(roles) == 0 {
			return fault.New(fault.Invalid, "%s has no active password role to recover (an automation token is replaced with approov password, or by revoking and adding the role again)", req.Email)
		}
		inv, err = s.issueCode(tx, c.acct, u, recoveryCode, roles, timeZero, req.CodeTTL, c.sess.User)
		return err
	})
	return inv, err
}

func (s *Service) existingUser(tx store.Tx, account, email string) (*userRec, error) {
	u, err := s.loadUser(tx, account, email)
	if err == nil && u == nil {
		err = fault.New(fault.Invalid, "no user %q in account %s", email, account)
	}
	return u, err
}

// keepAnAdmin refuses a change that would leave no active admin but email;
// when email's admin role is permanent, no permanent one: an account whose
// admins all expire ends up with none.
func (s *Service) keepAnAdmin(tx store.Tx, account, email string, permanent bool) error {
	others := 0
	err := scanPrefix(tx, store.Users, account+"\x00", func(_ string, v []byte) error {
		var u userRec
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		if rr := u.Roles[role.Admin]; u.Email != email && rr != nil && rr.state(s.now()) == api.RoleActive && (!permanent || rr.ExpiresAt.IsZero()) {
			others++
		}
		return nil
	})
	if err == nil && others == 0 {
		what := "active admin"
		if permanent {
			what = "admin without an expiry"
		}
		err = fault.New(fault.Conflict, "%s is the last %s of account %s", email, what, account)
	}
	return err
}
