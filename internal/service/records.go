package service

import (
	"crypto/ed25519"
	"encoding/base64"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

// accountRec is an account and its keys. Secrets never leave the service.
type accountRec struct {
	ID              string    `json:"id"`
	Created         time.Time `json:"created"`
	ServiceSeed     []byte    `json:"service_seed"`     // Ed25519 seed signing every answer
	ConfigKey       []byte    `json:"config_key"`       // P-256 key (PKCS#8) signing SDK configs
	FakeSaltSecret  []byte    `json:"fake_salt_secret"` // HMAC key of fake salts
	ChallengeSecret []byte    `json:"challenge_secret"` // HMAC key of login challenges
	Location        []string  `json:"location"`
}

func (a *accountRec) serviceKey() ed25519.PrivateKey { return auth.KeyFromSeed(a.ServiceSeed) }

// userRec is a user of an account, keyed account\x00email.
type userRec struct {
	Email   string                 `json:"email"`
	Created time.Time              `json:"created"`
	Roles   map[role.Role]*roleRec `json:"roles"`
	PIN     *verifierRec           `json:"pin,omitempty"`
	// Gen is random per user record: a user removed and invited again
	// restarts its role epochs, so sessions also carry Gen to stay dead.
	Gen string `json:"gen,omitempty"`
}

// newUser returns a fresh user record with its own generation.
func newUser(email string, now time.Time) *userRec {
	return &userRec{Email: email, Created: now, Roles: map[role.Role]*roleRec{}, Gen: base64.RawURLEncoding.EncodeToString(randBytes(12))}
}

// roleRec is one role of a user. Epoch changes on every revocation and
// re-enrolment; a session is valid only for the epoch it was opened in,
// which is how revocation kills live sessions on their next request.
type roleRec struct {
	Granted   time.Time    `json:"granted"`
	ExpiresAt time.Time    `json:"expires_at,omitzero"`
	Revoked   bool         `json:"revoked,omitempty"`
	Verifier  *verifierRec `json:"verifier,omitempty"` // nil: pending
	CodeID    string       `json:"code_id,omitempty"`  // the code that may enrol it
	Epoch     uint64       `json:"epoch"`
}

func (r *roleRec) state(now time.Time) api.RoleState {
	switch {
	case r.Revoked:
		return api.RoleRevoked
	case !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt):
		return api.RoleExpired
	case r.Verifier == nil:
		return api.RolePending
	}
	return api.RoleActive
}

// verifierRec is the public record of a password, PIN or token key, as
// stored. Records are the service's own types: a change of api.Verifier on
// the wire cannot silently change what is on disk.
type verifierRec struct {
	PublicKey ed25519.PublicKey `json:"public_key"`
	Salt      []byte            `json:"salt,omitempty"`
	Params    auth.Params       `json:"params"`
}

func storedVerifier(v api.Verifier) *verifierRec {
	return &verifierRec{PublicKey: v.PublicKey, Salt: v.Salt, Params: v.Params}
}

// grantRec is a role a code grants, with the role's expiry (zero: none).
type grantRec struct {
	Role      role.Role `json:"role"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

func wireGrants(gs []grantRec) []api.RoleGrant {
	out := make([]api.RoleGrant, len(gs))
	for i, g := range gs {
		out[i] = api.RoleGrant{Role: g.Role, ExpiresAt: g.ExpiresAt}
	}
	return out
}

// codeKind is what a stored code is for.
type codeKind string

// The stored kinds; recovery codes also need the user's PIN.
const (
	onboardingCode codeKind = "onboarding"
	recoveryCode   codeKind = "recovery"
)

// wire names the kind in answers.
func (k codeKind) wire() api.CodeKind {
	if k == recoveryCode {
		return api.CodeRecovery
	}
	return api.CodeOnboarding
}

// codeRec is an issued code; only the public half of its key is kept.
type codeRec struct {
	ID        string            `json:"id"`
	Kind      codeKind          `json:"kind"`
	Account   string            `json:"account"`
	User      string            `json:"user"`
	Roles     []grantRec        `json:"roles"`
	PublicKey ed25519.PublicKey `json:"public_key"`
	IssuedBy  string            `json:"issued_by"`
	Created   time.Time         `json:"created"`
	ExpiresAt time.Time         `json:"expires_at"`
	UsedAt    time.Time         `json:"used_at,omitzero"`
}

// sessionRec is a live session, bound to its public key and role epoch.
type sessionRec struct {
	ID        string            `json:"id"`
	Account   string            `json:"account"`
	User      string            `json:"user"`
	Role      role.Role         `json:"role"`
	PublicKey ed25519.PublicKey `json:"public_key"`
	Epoch     uint64            `json:"epoch"`
	Gen       string            `json:"gen,omitempty"` // the user record's generation
	Created   time.Time         `json:"created"`
	ExpiresAt time.Time         `json:"expires_at"`

	verifier *auth.VerifyKey // PublicKey prepared (prepareSession), when decoded through the cache
}

// verifyKey is the session key prepared for verification: the decoded
// cache's when it is this key, else prepared now.
func (s *sessionRec) verifyKey() *auth.VerifyKey {
	if s.verifier == nil || !s.verifier.Public().Equal(s.PublicKey) {
		return auth.NewVerifyKey(s.PublicKey)
	}
	return s.verifier
}

func userKey(account, email string) string { return account + "\x00" + email }

func (s *Service) loadAccount(tx store.Tx, id string) (*accountRec, error) {
	a, err := s.dec.accounts.load(tx, store.Accounts, id)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, fault.New(fault.Auth, "no account %q on this service", id)
	}
	return a, nil
}

// loadUser returns nil, nil for an unknown user.
func (s *Service) loadUser(tx store.Tx, account, email string) (*userRec, error) {
	u, err := s.dec.users.load(tx, store.Users, userKey(account, email))
	if u == nil || err != nil {
		return nil, err
	}
	if u.Roles == nil {
		u.Roles = map[role.Role]*roleRec{}
	}
	return u, nil
}

func saveUser(tx store.Tx, account string, u *userRec) error {
	return putJSON(tx, store.Users, userKey(account, u.Email), u)
}

// grants lists a user's roles that are not revoked, in role order.
func (u *userRec) grants(now time.Time) []api.RoleGrant {
	var out []api.RoleGrant
	for _, r := range role.All {
		if rr, ok := u.Roles[r]; ok && !rr.Revoked {
			out = append(out, api.RoleGrant{Role: r, ExpiresAt: rr.ExpiresAt})
		}
	}
	return out
}
