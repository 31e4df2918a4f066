package service

import (
	"context"
	"crypto/ed25519"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

var timeZero time.Time

// normUser folds a user name (an email) for storage and lookup.
func normUser(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validUser(s string) error {
	if s == "" || len(s) > 254 || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		return fault.New(fault.Usage, "invalid user %q: want an email address of at most 254 characters", truncate(s, 60))
	}
	return nil
}

// issueCode makes a code for u granting roles, marks those roles as
// enrollable by it, and saves u and the code. For a recovery code the roles
// keep working until the code is redeemed.
func (s *Service) issueCode(tx store.Tx, acct *accountRec, u *userRec, kind codeKind,
	roles []role.Role, roleExpires time.Time, ttl time.Duration, issuedBy string) (api.Invitation, error) {
	if ttl <= 0 {
		ttl = s.opt.CodeTTL
	}
	if ttl > MaxCodeTTL {
		return api.Invitation{}, fault.New(fault.Usage, "code lifetime %s exceeds the maximum of %s", ttl, MaxCodeTTL)
	}
	code, err := auth.NewCode(acct.ID, acct.Location, auth.FingerprintOf(acct.serviceKey().Public().(ed25519.PublicKey)))
	if err != nil {
		return api.Invitation{}, err
	}
	now := s.now()
	var grants []grantRec
	for _, r := range roles {
		rr := u.Roles[r]
		if kind == onboardingCode {
			rr = &roleRec{Granted: now, ExpiresAt: roleExpires, Epoch: nextEpoch(rr)}
			u.Roles[r] = rr
		}
		rr.CodeID = code.ID
		grants = append(grants, grantRec{Role: r, ExpiresAt: rr.ExpiresAt})
	}
	rec := codeRec{ID: code.ID, Kind: kind, Account: acct.ID, User: u.Email, Roles: grants,
		PublicKey: code.PublicKey(), IssuedBy: issuedBy, Created: now, ExpiresAt: now.Add(ttl)}
	if err := saveUser(tx, acct.ID, u); err != nil {
		return api.Invitation{}, err
	}
	if err := putJSON(tx, store.Codes, code.ID, rec); err != nil {
		return api.Invitation{}, err
	}
	if err := expireAt(tx, rec.ExpiresAt, store.Codes, code.ID); err != nil {
		return api.Invitation{}, err
	}
	return api.Invitation{User: u.Email, Kind: kind.wire(), Roles: wireGrants(grants), CodeID: code.ID, Code: code.String(), ExpiresAt: rec.ExpiresAt}, nil
}

func nextEpoch(rr *roleRec) uint64 {
	if rr == nil {
		return 1
	}
	return rr.Epoch + 1
}

// codeUsable says why a code can no longer be used, as an audit reason and
// the error the holder sees.
func (s *Service) codeUsable(code *codeRec) *authFailure {
	switch {
	case !code.UsedAt.IsZero():
		return deny("reused", fault.WithHint(fault.New(fault.Conflict, "onboarding code %s%s was already used", auth.CodePrefix, code.ID),
			"if you did not redeem it, tell your admin at once: someone else may have"))
	case !s.now().Before(code.ExpiresAt):
		return deny("expired", invalidCode())
	}
	return nil
}

// codeOps are the operations signed with an onboarding or recovery code.
var codeOps = []endpoint{
	serve(api.OpInspectCode, (*Service).inspectCode),
	serve(api.OpRedeem, (*Service).redeem),
}

// inspectCode answers InspectCode without spending the code.
func (s *Service) inspectCode(ctx context.Context, c *call, _ api.Empty) (api.CodeInfo, error) {
	var info api.CodeInfo
	var fail *authFailure
	err := s.update(ctx, func(tx store.Tx) error {
		var u *userRec
		u, fail = s.codeUser(tx, c)
		if fail != nil {
			return s.record(tx, c.acct.ID, event{user: c.code.User, op: c.op.Name, target: c.code.ID, outcome: fail.reason})
		}
		info = api.CodeInfo{ID: c.code.ID, Kind: c.code.Kind.wire(), Account: c.acct.ID, User: u.Email,
			Roles: wireGrants(c.code.Roles), ExpiresAt: c.code.ExpiresAt, Params: s.opt.Params}
		if c.code.Kind == recoveryCode && u.PIN != nil {
			info.PIN = &api.Verifier{Salt: u.PIN.Salt, Params: u.PIN.Params} // never the public key
		}
		return nil
	})
	if err == nil && fail != nil {
		err = fail.err
	}
	return info, err
}

// codeUser re-reads the code inside tx (the compare of compare-and-set) and
// returns its user when the code is still usable.
func (s *Service) codeUser(tx store.Tx, c *call) (*userRec, *authFailure) {
	var fresh codeRec // never decoded over the record a failed attempt changed
	if ok, err := getJSON(tx, store.Codes, c.code.ID, &fresh); err != nil || !ok {
		return nil, deny("unknown-code", fault.Wrap(fault.Auth, invalidCode()))
	}
	*c.code = fresh
	if fail := s.codeUsable(c.code); fail != nil {
		return nil, fail
	}
	u, err := s.loadUser(tx, c.acct.ID, c.code.User)
	if err != nil || u == nil {
		return nil, deny("unknown-user", invalidCode())
	}
	for _, g := range c.code.Roles {
		if rr := u.Roles[g.Role]; rr == nil || rr.Revoked || rr.CodeID != c.code.ID {
			return nil, deny("superseded", invalidCode()) // re-invited, revoked or removed since
		}
	}
	return u, nil
}

// redeem spends a code and enrols its roles, all in one transaction: the
// code is re-read and marked used inside it, so of concurrent redemptions
// exactly one wins; the others see it used and get a Conflict.
func (s *Service) redeem(ctx context.Context, c *call, req api.RedeemRequest) (api.Redeemed, error) {
	var out api.Redeemed
	var fail *authFailure
	err := s.update(ctx, func(tx store.Tx) error {
		u, f := s.codeUser(tx, c)
		if f == nil {
			f = s.checkRedeem(tx, c, u, &req)
		}
		if fail = f; fail != nil {
			return s.record(tx, c.acct.ID, event{user: c.code.User, op: c.op.Name, target: c.code.ID, outcome: fail.reason})
		}
		out, f = s.applyRedeem(tx, c, u, &req)
		if f != nil {
			return f.err
		}
		return s.record(tx, c.acct.ID, event{user: u.Email, op: c.op.Name, target: c.code.ID, outcome: outcomeOK})
	})
	if err == nil && fail != nil {
		err = fail.err
	}
	return out, err
}

// checkRedeem validates the enrolments against the code (the roles come
// from the code, never from the client) and, for recovery, the PIN proof.
func (s *Service) checkRedeem(tx store.Tx, c *call, u *userRec, req *api.RedeemRequest) *authFailure {
	if fail := s.checkEnrolments(c.code, u, req.Enrolments); fail != nil {
		return fail
	}
	if err := s.validVerifier(role.Admin, req.PIN); err != nil {
		return deny("invalid", fault.New(fault.Invalid, "recovery PIN verifier: %v", err))
	}
	if c.code.Kind == recoveryCode {
		return s.checkPIN(tx, c, u, req)
	}
	return nil
}

// checkEnrolments requires exactly one valid key per role the code grants.
func (s *Service) checkEnrolments(code *codeRec, u *userRec, es []api.Enrolment) *authFailure {
	granted := make([]role.Role, 0, len(code.Roles))
	for _, g := range code.Roles {
		granted = append(granted, g.Role)
	}
	seen := map[role.Role]bool{}
	for _, e := range es {
		if !slices.Contains(granted, e.Role) {
			return deny("role-not-granted", fault.New(fault.Permission, "code %s does not grant role %q", code.ID, e.Role))
		}
		if seen[e.Role] {
			return deny("invalid", fault.New(fault.Invalid, "role %s enrolled twice", e.Role))
		}
		seen[e.Role] = true
		if err := s.validVerifier(e.Role, e.Verifier); err != nil {
			return deny("invalid", err)
		}
		if rr := u.Roles[e.Role]; rr == nil || rr.Revoked || rr.CodeID != code.ID {
			return deny("role-not-granted", fault.New(fault.Permission, "role %s is no longer granted by code %s", e.Role, code.ID))
		}
	}
	if len(seen) != len(granted) {
		return deny("invalid", fault.New(fault.Invalid, "enrol a key for each granted role (%s)", joinRoles(granted)))
	}
	return nil
}

// checkPIN verifies a recovery PIN proof, rate limited per user.
func (s *Service) checkPIN(tx store.Tx, c *call, u *userRec, req *api.RedeemRequest) *authFailure {
	key := "pin\x00" + c.acct.ID + "\x00" + u.Email
	if err := s.checkLimit(tx, key); err != nil {
		return deny("rate-limited", err)
	}
	st := auth.RecoveryStatement{CodeID: c.code.ID, NewPIN: req.PIN.PublicKey}
	if u.PIN == nil || !auth.VerifyRecovery(u.PIN.PublicKey, st, req.PINProof) {
		if err := s.failed(tx, key); err != nil {
			return deny("error", err)
		}
		return deny("bad-pin", fault.New(fault.Auth, "wrong recovery PIN"))
	}
	return nil
}

func (s *Service) applyRedeem(tx store.Tx, c *call, u *userRec, req *api.RedeemRequest) (api.Redeemed, *authFailure) {
	for _, e := range req.Enrolments {
		rr := u.Roles[e.Role]
		rr.Verifier, rr.CodeID, rr.Epoch = storedVerifier(e.Verifier), "", rr.Epoch+1
	}
	// An automation-only code never shows its PIN to anyone: it must not
	// replace the PIN the user holds for its password roles.
	if u.PIN == nil || !tokenOnly(c.code) {
		u.PIN = storedVerifier(req.PIN)
	}
	c.code.UsedAt = s.now()
	if err := saveUser(tx, c.acct.ID, u); err != nil {
		return api.Redeemed{}, deny("error", err)
	}
	if err := putJSON(tx, store.Codes, c.code.ID, c.code); err != nil {
		return api.Redeemed{}, deny("error", err)
	}
	if c.code.Kind == recoveryCode {
		_ = s.succeeded(tx, "pin\x00"+c.acct.ID+"\x00"+u.Email)
	}
	return api.Redeemed{Account: c.acct.ID, User: u.Email, Roles: wireGrants(c.code.Roles), CodeID: c.code.ID}, nil
}

// tokenOnly says whether a code grants the automation role alone.
func tokenOnly(code *codeRec) bool {
	return len(code.Roles) == 1 && code.Roles[0].Role == role.Automation
}

// validVerifier checks an enrolled key: a management token's bare public
// key for automation, a password verifier at the required cost otherwise.
func (s *Service) validVerifier(r role.Role, v api.Verifier) error {
	if len(v.PublicKey) != ed25519.PublicKeySize {
		return fault.New(fault.Invalid, "%s key: public key must be %d bytes", r, ed25519.PublicKeySize)
	}
	if r == role.Automation {
		if len(v.Salt) != 0 || v.Params != (auth.Params{}) {
			return fault.New(fault.Invalid, "the automation role enrols a management token, not a password")
		}
		return nil
	}
	if len(v.Salt) < auth.SaltSize || len(v.Salt) > 64 {
		return fault.New(fault.Invalid, "%s key: salt must be %d..64 bytes", r, auth.SaltSize)
	}
	if err := v.Params.Validate(); err != nil {
		return err
	}
	if !v.Params.AtLeast(s.opt.Params) {
		return fault.New(fault.Invalid, "%s key: %s is weaker than the required %s", r, v.Params, s.opt.Params)
	}
	return nil
}

func joinRoles(rs []role.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
