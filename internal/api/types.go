package api

import (
	"crypto/ed25519"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/role"
)

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
	User  string    `json:"user,omitempty"` // only this user's events (case-insensitive)
	Op    string    `json:"op,omitempty"`   // only this operation ("pin.push"), or a group ("pin.")
}

// AuditEvent is one audit record.
type AuditEvent struct {
	Seq         uint64    `json:"seq"`
	Time        time.Time `json:"time"`
	User        string    `json:"user"`    // who acted, or tried to ("" when unknown)
	Role        role.Role `json:"role"`    // with which role
	Op          string    `json:"op"`      // e.g. "users.add", "login", "code.redeem"
	Target      string    `json:"target"`  // e.g. the invited email, a code id
	Outcome     string    `json:"outcome"` // "ok", or a short failure reason such as "replayed"
	Detail      string    `json:"detail,omitempty"`
	FromVersion int64     `json:"from_version,omitempty"`
	ToVersion   int64     `json:"to_version,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}
