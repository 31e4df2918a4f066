package session

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/role"
)

// SchemaVersion is the version of the state file's layout. A file with a
// newer version is refused rather than rewritten with fields lost.
const SchemaVersion = 1

// State is everything approov remembers between runs, apart from secrets:
// the accounts this machine has joined, their roles, and the live sessions.
// It is written as state.json in the approov directory.
type State struct {
	Version  int       `json:"version"`
	Accounts []Account `json:"accounts"`
	Sessions []Session `json:"sessions"`
	// LastUsed is the "role:account-id" of the last role a session was opened
	// for; it is the default when APPROOV_ROLE is unset.
	LastUsed string `json:"last_used,omitempty"`
}

// Account is one account this machine holds roles on.
type Account struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Backend []string `json:"backend"` // one "local:<dir>", or https:// URLs
	// ServiceKey is the fingerprint of the service signing key that the
	// onboarding code pinned: every answer must be signed by that key.
	ServiceKey string `json:"service_key_fingerprint"`
	// ServicePublicKey is the key that fingerprint names (base64), recorded
	// once a signed answer proved it, so a command need not fetch it again
	// before its call. Whoever could change it could change the fingerprint
	// too; the client checks it against the fingerprint all the same.
	ServicePublicKey string    `json:"service_public_key,omitempty"`
	User             string    `json:"user"`
	Roles            []Grant   `json:"roles"`
	Storage          Policy    `json:"storage,omitempty"` // where this account's session keys go
	Joined           time.Time `json:"joined"`
}

// Grant is one role granted to the user on an account, with what the client
// needs to log in with it.
type Grant struct {
	Role    role.Role `json:"role"`
	Expires time.Time `json:"expires,omitzero"` // zero: no expiry
	// Method is how a login proves possession: "password" or "token"
	// (automation's management token).
	Method string `json:"method"`
	// TokenFile is where init wrote the management token, for automation.
	TokenFile string `json:"token_file,omitempty"`
}

// Session is a live (or expired, until cleaned) session for one role.
// The session's private key is a secret stored apart (Secret field says where).
type Session struct {
	ID      string    `json:"id"`
	Account string    `json:"account"`
	Role    role.Role `json:"role"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Secret  Where     `json:"secret_storage"`
}

// Methods of Grant.Method.
const (
	MethodPassword = "password"
	MethodToken    = "token"
)

// Account returns the account whose ID or name is ref, or nil.
func (st *State) Account(ref string) *Account {
	for i := range st.Accounts {
		if st.Accounts[i].ID == ref {
			return &st.Accounts[i]
		}
	}
	for i := range st.Accounts {
		if st.Accounts[i].Name == ref {
			return &st.Accounts[i]
		}
	}
	return nil
}

// PutAccount adds a or replaces the account with the same ID.
func (st *State) PutAccount(a Account) {
	for i := range st.Accounts {
		if st.Accounts[i].ID == a.ID {
			st.Accounts[i] = a
			return
		}
	}
	st.Accounts = append(st.Accounts, a)
}

// RemoveAccount forgets an account and returns its sessions, whose secrets
// the caller must delete.
func (st *State) RemoveAccount(id string) []Session {
	var gone []Session
	keep := st.Accounts[:0]
	for _, a := range st.Accounts {
		if a.ID != id {
			keep = append(keep, a)
		}
	}
	st.Accounts = keep
	for _, s := range st.Sessions {
		if s.Account == id {
			gone = append(gone, s)
		}
	}
	st.dropSessions(func(s Session) bool { return s.Account == id })
	if ref, err := ParseRoleRef(st.LastUsed); err == nil && ref.Account == id {
		st.LastUsed = ""
	}
	return gone
}

// Grant returns the account's grant for r, or nil.
func (a *Account) Grant(r role.Role) *Grant {
	for i := range a.Roles {
		if a.Roles[i].Role == r {
			return &a.Roles[i]
		}
	}
	return nil
}

// Session returns the newest session for the role on the account, or nil.
// Expired sessions are returned too: the caller decides (whoami shows them).
func (st *State) Session(accountID string, r role.Role) *Session {
	var best *Session
	for i := range st.Sessions {
		s := &st.Sessions[i]
		if s.Account == accountID && s.Role == r && (best == nil || s.Expires.After(best.Expires)) {
			best = s
		}
	}
	return best
}

// PutSession records s, replacing and returning any older session for the
// same account and role so the caller can delete its secret. It does not
// change LastUsed: the caller decides whether this role becomes the default.
func (st *State) PutSession(s Session) []Session {
	var old []Session
	for _, o := range st.Sessions {
		if o.Account == s.Account && o.Role == s.Role {
			old = append(old, o)
		}
	}
	st.dropSessions(func(o Session) bool { return o.Account == s.Account && o.Role == s.Role })
	st.Sessions = append(st.Sessions, s)
	return old
}

// RemoveSession forgets the session with the given ID and reports whether it existed.
func (st *State) RemoveSession(id string) bool {
	n := len(st.Sessions)
	st.dropSessions(func(s Session) bool { return s.ID == id })
	return len(st.Sessions) != n
}

func (st *State) dropSessions(drop func(Session) bool) {
	keep := st.Sessions[:0]
	for _, s := range st.Sessions {
		if !drop(s) {
			keep = append(keep, s)
		}
	}
	st.Sessions = keep
}

// Live reports whether the session is usable at now.
func (s *Session) Live(now time.Time) bool { return now.Before(s.Expires) }

// SecretName is the name under which the session's private key is stored:
// derived from the ID so that any ID the service chooses makes a safe name.
func (s *Session) SecretName() string {
	sum := sha256.Sum256([]byte(s.Account + "\x00" + s.ID))
	return "session-" + hex.EncodeToString(sum[:16])
}

// RoleRef is a role on an account, written "role" or "role:account" as in
// APPROOV_ROLE. Account may be an ID or a name; empty means "the only one".
type RoleRef struct {
	Role    role.Role
	Account string
}

// ParseRoleRef parses "role" or "role:account".
func ParseRoleRef(s string) (RoleRef, error) {
	name, acct, _ := strings.Cut(s, ":")
	r, err := role.Parse(name)
	if err != nil {
		return RoleRef{}, err
	}
	return RoleRef{Role: r, Account: strings.TrimSpace(acct)}, nil
}

// String formats the reference as APPROOV_ROLE expects it.
func (r RoleRef) String() string {
	if r.Account == "" {
		return string(r.Role)
	}
	return fmt.Sprintf("%s:%s", r.Role, r.Account)
}
