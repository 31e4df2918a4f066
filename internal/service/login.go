package service

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

// Login challenges are stateless: expiry(8) | random(16) | HMAC-SHA256 over
// account, user, role and the first 24 bytes, under the account's challenge
// secret. LoginStart thus writes nothing and costs the same for known and
// unknown users; LoginFinish remembers a used challenge until it expires.
const challengeSize = 8 + 16 + sha256.Size

// dummyKey stands in for unknown users so that LoginFinish does the same
// signature work whether or not the user exists. Made on first use: every
// approov command links this package, few log in.
var dummyKey = sync.OnceValue(func() ed25519.PublicKey {
	pub, _, _ := ed25519.GenerateKey(nil)
	return pub
})

func challengeMAC(acct *accountRec, user string, r role.Role, head []byte) []byte {
	m := hmac.New(sha256.New, acct.ChallengeSecret)
	m.Write([]byte(acct.ID + "\x00" + user + "\x00" + string(r) + "\x00"))
	m.Write(head)
	return m.Sum(nil)
}

func loginIdentity(c *call, user string, r role.Role) (string, role.Role, error) {
	u := normUser(user)
	if err := validUser(u); err != nil {
		return "", "", err
	}
	rr, err := role.Parse(string(r))
	if err != nil {
		return "", "", fault.Wrap(fault.Usage, err)
	}
	return u, rr, nil
}

// loginOps are the unsigned operations that open a session.
var loginOps = []endpoint{
	serve(api.OpLoginStart, (*Service).loginStart),
	serve(api.OpLoginFinish, (*Service).loginFinish),
}

// loginStart answers LoginStart: a challenge, and the real salt of an
// enrolled role or a stable fake one — the two cannot be told apart.
func (s *Service) loginStart(ctx context.Context, c *call, req api.LoginStartRequest) (api.LoginChallenge, error) {
	user, r, err := loginIdentity(c, req.User, req.Role)
	if err != nil {
		return api.LoginChallenge{}, err
	}
	exp := s.now().Add(s.opt.ChallengeTTL)
	head := binary.BigEndian.AppendUint64(nil, uint64(exp.Unix()))
	head = append(head, randBytes(16)...)
	ch := api.LoginChallenge{Challenge: append(head, challengeMAC(c.acct, user, r, head)...), ExpiresAt: exp, Token: r == role.Automation}
	if ch.Token {
		return ch, nil
	}
	ch.Salt, ch.Params = auth.FakeSalt(c.acct.FakeSaltSecret, c.acct.ID, user, r), s.opt.Params
	err = s.view(ctx, func(tx store.Tx) error {
		u, err := s.loadUser(tx, c.acct.ID, user)
		if u != nil && u.Roles[r] != nil && u.Roles[r].Verifier != nil {
			ch.Salt, ch.Params = u.Roles[r].Verifier.Salt, u.Roles[r].Verifier.Params
		}
		return err
	})
	return ch, err
}

// loginFinish answers LoginFinish. Every failure — bad challenge, rate
// limit, replay, unknown user, wrong key — is counted, audited and answered
// with the same error text.
func (s *Service) loginFinish(ctx context.Context, c *call, req api.LoginFinishRequest) (api.SessionGrant, error) {
	user, r, err := loginIdentity(c, req.User, req.Role)
	if err != nil {
		s.recordAlone(ctx, c.acct.ID, event{user: truncate(normUser(req.User), 254), role: role.Role(truncate(string(req.Role), 20)), op: "login", outcome: "invalid-request"})
		return api.SessionGrant{}, err
	}
	req.User, req.Role = user, r
	var grant api.SessionGrant
	var fail *authFailure
	err = s.update(ctx, func(tx store.Tx) error {
		grant, fail = s.checkLogin(tx, c, &req)
		if fail != nil {
			return s.record(tx, c.acct.ID, event{user: user, role: r, op: "login", outcome: fail.reason})
		}
		return s.record(tx, c.acct.ID, event{user: user, role: r, op: "login", target: grant.Session, outcome: outcomeOK})
	})
	if err == nil && fail != nil {
		err = fail.err
	}
	return grant, err
}

func badCredentials() error {
	return fault.New(fault.Auth, "login failed: wrong user, role or password")
}

func (s *Service) checkLogin(tx store.Tx, c *call, req *api.LoginFinishRequest) (api.SessionGrant, *authFailure) {
	none := api.SessionGrant{}
	exp, fail := s.checkChallenge(c, req)
	if fail != nil {
		return none, fail
	}
	limitKey := "login\x00" + c.acct.ID + "\x00" + req.User + "\x00" + string(req.Role)
	if err := s.checkLimit(tx, limitKey); err != nil {
		return none, deny("rate-limited", err)
	}
	u, rr, err := s.roleFor(tx, c.acct.ID, req.User, req.Role)
	if err != nil {
		return none, deny("error", err)
	}
	pub := dummyKey() // unknown users cost one signature check too
	if rr != nil {
		pub = rr.Verifier.PublicKey
	}
	st := auth.LoginStatement{Account: c.acct.ID, User: req.User, Role: req.Role, Challenge: req.Challenge, SessionKey: req.SessionKey}
	if !auth.VerifyLogin(pub, st, req.Signature) || rr == nil {
		if err := s.failed(tx, limitKey); err != nil {
			return none, deny("error", err)
		}
		return none, deny("bad-credentials", badCredentials())
	}
	// Only a proven login spends its challenge: challenges are free to get,
	// so failures taking replay-cache slots would let anyone fill it.
	if err := s.remember(tx, limitKey, base64.RawURLEncoding.EncodeToString(req.Challenge), exp); err != nil {
		return none, deny("replayed", err)
	}
	if err := s.succeeded(tx, limitKey); err != nil {
		return none, deny("error", err)
	}
	return s.openSession(tx, c.acct.ID, u, req.Role, rr, req.SessionKey)
}

// checkChallenge checks a challenge's MAC and expiry, returning the expiry.
func (s *Service) checkChallenge(c *call, req *api.LoginFinishRequest) (time.Time, *authFailure) {
	ch := req.Challenge
	if len(ch) != challengeSize || !hmac.Equal(ch[24:], challengeMAC(c.acct, req.User, req.Role, ch[:24])) {
		return time.Time{}, deny("bad-challenge", challengeErr())
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(ch[:8])), 0)
	if !s.now().Before(exp) {
		return time.Time{}, deny("bad-challenge", challengeErr())
	}
	return exp, nil
}

func challengeErr() error {
	return fault.WithHint(fault.New(fault.Auth, "login challenge invalid or expired"), "log in again")
}

// roleFor returns the user and role when the role is active and enrolled.
func (s *Service) roleFor(tx store.Tx, account, user string, r role.Role) (*userRec, *roleRec, error) {
	u, err := s.loadUser(tx, account, user)
	if err != nil || u == nil {
		return nil, nil, err
	}
	rr := u.Roles[r]
	if rr == nil || rr.state(s.now()) != api.RoleActive {
		return u, nil, nil
	}
	return u, rr, nil
}

// openSession stores a session for at most SessionTTL, never past the
// role's own expiry, and sweeps expired records (logins are rarer than
// requests, so the sweep's reads of the index head rarely conflict).
func (s *Service) openSession(tx store.Tx, account string, u *userRec, r role.Role, rr *roleRec, key ed25519.PublicKey) (api.SessionGrant, *authFailure) {
	now := s.now()
	exp := now.Add(s.opt.SessionTTL)
	if !rr.ExpiresAt.IsZero() && rr.ExpiresAt.Before(exp) {
		exp = rr.ExpiresAt
	}
	sess := sessionRec{ID: "ses_" + base64.RawURLEncoding.EncodeToString(randBytes(18)), Account: account, User: u.Email,
		Role: r, PublicKey: key, Epoch: rr.Epoch, Gen: u.Gen, Created: now, ExpiresAt: exp}
	if err := sweep(tx, now); err != nil {
		return api.SessionGrant{}, deny("error", err)
	}
	if err := putJSON(tx, store.Sessions, sess.ID, sess); err != nil {
		return api.SessionGrant{}, deny("error", err)
	}
	if err := expireAt(tx, exp, store.Sessions, sess.ID); err != nil {
		return api.SessionGrant{}, deny("error", err)
	}
	return api.SessionGrant{Account: account, User: u.Email, Role: r, Session: sess.ID, ExpiresAt: exp}, nil
}
