// Package backend defines the service API that every command talks to: the
// Backend interface, one method per service operation with context first,
// and the request and answer types. Implementations: local (the service
// in-process on an embedded store) and, later, remote (HTTPS to approovd).
// backendtest holds the conformance suite every implementation must pass.
//
// Every implementation exchanges the same signed envelopes (auth.Request,
// auth.Response): authenticated methods take a Caller and sign the request
// with its session key; every answer is verified against the pinned service
// key before it is decoded. The API is stable: changes are additive only.
package backend

import (
	"context"
	"crypto/ed25519"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/role"
)

// Backend is the service API.
//
// Errors are classified with internal/fault: Auth (no, expired, revoked or
// forged session; bad credentials; rate limited — see RetryAfter),
// Permission (the role may not do this), Conflict (a lost race, e.g. a code
// already redeemed), Invalid (bad input), Network (unreachable, or an answer
// not signed by the pinned key).
type Backend interface {
	// Info returns the service's account id, signing key and the Argon2id
	// parameters new enrolments must use. Unauthenticated; a client must
	// check ServiceKey against the fingerprint its code or token carries
	// (a Client built with a fingerprint does so itself).
	Info(ctx context.Context) (ServiceInfo, error)

	// InspectCode shows what a code grants without spending it. The request
	// is signed with the code's key.
	InspectCode(ctx context.Context, code auth.Code) (CodeInfo, error)
	// Redeem spends a code (atomically, once) and enrols one key per granted
	// role plus a recovery PIN verifier. The request is signed with the
	// code's key, so a man in the middle cannot swap the enrolled keys.
	Redeem(ctx context.Context, code auth.Code, req RedeemRequest) (Redeemed, error)

	// LoginStart returns a fresh challenge and the salt and parameters of the
	// user's role key. Unknown users get a stable fake salt: the answer looks
	// the same.
	LoginStart(ctx context.Context, req LoginStartRequest) (LoginChallenge, error)
	// LoginFinish opens a one-hour session bound to req.SessionKey when the
	// signature over the auth.LoginStatement verifies.
	LoginFinish(ctx context.Context, req LoginFinishRequest) (SessionGrant, error)

	// WhoAmI describes the caller's session, user and roles.
	WhoAmI(ctx context.Context, c Caller) (Identity, error)
	// Logout ends the caller's session.
	Logout(ctx context.Context, c Caller) error
	// ChangePassword re-enrols the caller's role key (password or management
	// token) and ends every session of that user and role, the caller's too.
	ChangePassword(ctx context.Context, c Caller, e Enrolment) error

	// AddUser invites a user (or grants more roles to an existing one) and
	// returns a single-use onboarding code. Admin only.
	AddUser(ctx context.Context, c Caller, req AddUserRequest) (Invitation, error)
	// ListUsers lists the account's users and roles. Admin only.
	ListUsers(ctx context.Context, c Caller) ([]User, error)
	// RevokeRole revokes one role of a user; its live sessions die at once.
	RevokeRole(ctx context.Context, c Caller, req RevokeRoleRequest) error
	// RemoveUser removes a user, their roles, codes and sessions.
	RemoveUser(ctx context.Context, c Caller, req RemoveUserRequest) error
	// RecoverUser issues a recovery code for a user; redeeming it needs the
	// user's recovery PIN as well. Admin only.
	RecoverUser(ctx context.Context, c Caller, req RecoverUserRequest) (Invitation, error)
	// ListAudit lists audit events, oldest first. Admin only.
	ListAudit(ctx context.Context, c Caller, q AuditQuery) ([]AuditEvent, error)
}

// Caller is an open session: what authenticated methods sign with.
type Caller struct {
	Account string
	Session string             // session id from SessionGrant
	Key     ed25519.PrivateKey // session private key
}

// ServiceInfo describes the service.
type ServiceInfo struct {
	Account    string            `json:"account"`
	ServiceKey ed25519.PublicKey `json:"service_key"`
	Params     auth.Params       `json:"params"` // Argon2id costs for new enrolments
}

// CodeKind says what a code is for.
type CodeKind string

// Code kinds.
const (
	CodeOnboarding CodeKind = "onboarding"
	CodeRecovery   CodeKind = "recovery" // redemption also needs the PIN
)

// CodeInfo is what a code grants.
type CodeInfo struct {
	ID        string      `json:"id"`
	Kind      CodeKind    `json:"kind"`
	Account   string      `json:"account"`
	User      string      `json:"user"`
	Roles     []RoleGrant `json:"roles"`
	ExpiresAt time.Time   `json:"expires_at"`
	Params    auth.Params `json:"params"`        // for the new role keys and PIN
	PIN       *Verifier   `json:"pin,omitempty"` // recovery codes: the PIN's salt and params
}

// Verifier is the public record of a password, PIN or token key.
type Verifier struct {
	PublicKey ed25519.PublicKey `json:"public_key"`
	Salt      []byte            `json:"salt,omitempty"` // empty for a management token
	Params    auth.Params       `json:"params"`         // zero for a management token
}

// Enrolment is one role's key: password-derived (with salt and params) for
// admin, dev and delegate; a management token's public key (no salt, zero
// params) for automation.
type Enrolment struct {
	Role     role.Role `json:"role"`
	Verifier Verifier  `json:"verifier"`
}

// RedeemRequest enrols exactly one key per role the code grants, and a new
// recovery PIN. For a recovery code, PINProof is auth.SignRecovery over
// {code id, PIN.PublicKey} by the key derived from the current PIN with the
// salt and params of CodeInfo.PIN (see RecoveryProof).
type RedeemRequest struct {
	Enrolments []Enrolment `json:"enrolments"`
	PIN        Verifier    `json:"pin"`
	PINProof   []byte      `json:"pin_proof,omitempty"`
}

// Redeemed is the outcome of a redemption.
type Redeemed struct {
	Account string      `json:"account"`
	User    string      `json:"user"`
	Roles   []RoleGrant `json:"roles"`
	CodeID  string      `json:"code_id"`
}

// RoleGrant is a role with its expiry (zero: none).
type RoleGrant struct {
	Role      role.Role `json:"role"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// LoginStartRequest asks for a login challenge.
type LoginStartRequest struct {
	Account string    `json:"account"`
	User    string    `json:"user"`
	Role    role.Role `json:"role"`
}

// LoginChallenge is the service's challenge and the key derivation inputs.
type LoginChallenge struct {
	Challenge []byte      `json:"challenge"`
	Salt      []byte      `json:"salt"`
	Params    auth.Params `json:"params"`
	Token     bool        `json:"token"` // the role uses a management token, not a password
	ExpiresAt time.Time   `json:"expires_at"`
}

// LoginFinishRequest answers a challenge with auth.SignLogin over the
// statement {Account, User, Role, Challenge, SessionKey}.
type LoginFinishRequest struct {
	Account    string            `json:"account"`
	User       string            `json:"user"`
	Role       role.Role         `json:"role"`
	Challenge  []byte            `json:"challenge"`
	SessionKey ed25519.PublicKey `json:"session_key"`
	Signature  []byte            `json:"signature"`
}

// SessionGrant is a new session.
type SessionGrant struct {
	Account   string    `json:"account"`
	User      string    `json:"user"`
	Role      role.Role `json:"role"`
	Session   string    `json:"session"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Identity answers WhoAmI.
type Identity struct {
	Account          string      `json:"account"`
	User             string      `json:"user"`
	Role             role.Role   `json:"role"`
	Session          string      `json:"session"`
	SessionExpiresAt time.Time   `json:"session_expires_at"`
	RoleExpiresAt    time.Time   `json:"role_expires_at,omitzero"`
	Roles            []RoleGrant `json:"roles"`
}

// AddUserRequest invites a user. RoleExpiresAt zero means: as long as the
// inviting admin's own role. CodeTTL zero means the default (72h).
type AddUserRequest struct {
	Email         string        `json:"email"`
	Roles         []role.Role   `json:"roles"`
	RoleExpiresAt time.Time     `json:"role_expires_at,omitzero"`
	CodeTTL       time.Duration `json:"code_ttl,omitempty"`
}

// Invitation is a newly issued code. Code is the full secret text: print it
// once, never log it.
type Invitation struct {
	User      string      `json:"user"`
	Kind      CodeKind    `json:"kind"`
	Roles     []RoleGrant `json:"roles"`
	CodeID    string      `json:"code_id"`
	Code      string      `json:"code"`
	ExpiresAt time.Time   `json:"expires_at"`
}

// User is one user of the account.
type User struct {
	Email     string     `json:"email"`
	CreatedAt time.Time  `json:"created_at"`
	Roles     []UserRole `json:"roles"`
}

// RoleState is the state of a user's role.
type RoleState string

// Role states.
const (
	RolePending RoleState = "pending" // invited, code not yet redeemed
	RoleActive  RoleState = "active"
	RoleExpired RoleState = "expired"
	RoleRevoked RoleState = "revoked"
)

// UserRole is a role as ListUsers shows it.
type UserRole struct {
	Role      role.Role `json:"role"`
	State     RoleState `json:"state"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// RevokeRoleRequest revokes one role of a user.
type RevokeRoleRequest struct {
	Email string    `json:"email"`
	Role  role.Role `json:"role"`
}

// RemoveUserRequest removes a user.
type RemoveUserRequest struct {
	Email string `json:"email"`
}

// RecoverUserRequest asks for a recovery code. CodeTTL zero: default (72h).
type RecoverUserRequest struct {
	Email   string        `json:"email"`
	CodeTTL time.Duration `json:"code_ttl,omitempty"`
}

// AuditQuery filters the audit log. Limit zero means all (capped at 10000).
type AuditQuery struct {
	Since time.Time `json:"since,omitzero"`
	Limit int       `json:"limit,omitempty"`
}

// AuditEvent is one audit record.
type AuditEvent struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	User    string    `json:"user"`    // who acted, or tried to ("" when unknown)
	Role    role.Role `json:"role"`    // with which role
	Op      string    `json:"op"`      // e.g. "users.add", "login", "code.redeem"
	Target  string    `json:"target"`  // e.g. the invited email, a code id
	Outcome string    `json:"outcome"` // "ok", or a short failure reason such as "replayed"
}
