// Package login turns the user's local state into an authenticated backend
// caller: it resolves the active role (APPROOV_ROLE, a management token, or
// the last role used), reuses a live session, and otherwise logs in once —
// asking for the role's password on the terminal, or signing with the
// automation role's management token, which never prompts.
package login

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/userfile"
)

// Target is the role the user acts in and the account it belongs to.
type Target struct {
	Account session.Account
	Role    role.Role
	// Token is set when the role logs in with a management token taken from
	// APPROOV_MANAGEMENT_TOKEN (value or path) or the grant's token file.
	Token *auth.ManagementToken
	// From says how the target was chosen, for whoami: "APPROOV_ROLE",
	// "APPROOV_MANAGEMENT_TOKEN" or "last used".
	From string
}

// Ref is the target as APPROOV_ROLE spells it.
func (t Target) Ref() session.RoleRef { return session.RoleRef{Role: t.Role, Account: t.Account.ID} }

// NoAccountError is the error when this machine has joined no account.
func NoAccountError() error {
	return fault.WithHint(fault.New(fault.Auth, "no account on this machine"),
		"approov init -   (paste your onboarding code; or start a local account: approov account create --local --init)")
}

// resolve picks the target from the environment and the state.
func (m *Manager) resolve(st *session.State) (Target, error) {
	envRole := m.getenv("APPROOV_ROLE")
	tokenSpec := m.getenv("APPROOV_MANAGEMENT_TOKEN")
	if tokenSpec != "" && (envRole == "" || strings.HasPrefix(strings.ToLower(envRole), string(role.Automation))) {
		return m.tokenTarget(st, tokenSpec)
	}
	if envRole != "" {
		ref, err := session.ParseRoleRef(envRole)
		if err != nil {
			return Target{}, fault.WithHint(fault.New(fault.Usage, "APPROOV_ROLE: %v", err), "eval \"$(approov role admin)\"")
		}
		return m.target(st, ref, "APPROOV_ROLE")
	}
	if ref, err := session.ParseRoleRef(st.LastUsed); err == nil && st.LastUsed != "" {
		if t, err := m.target(st, ref, "last used"); err == nil {
			return t, nil
		}
	}
	return m.onlyRole(st)
}

// target finds ref's account and checks that this machine holds the role.
func (m *Manager) target(st *session.State, ref session.RoleRef, from string) (Target, error) {
	acct, err := accountFor(st, ref)
	if err != nil {
		return Target{}, err
	}
	g := acct.Grant(ref.Role)
	if g == nil {
		return Target{}, fault.WithHint(fault.New(fault.Permission, "you hold no %s role on account %s", ref.Role, acct.Name),
			"approov role   (lists the roles you hold)")
	}
	t := Target{Account: *acct, Role: ref.Role, From: from}
	if g.Method == session.MethodToken && g.TokenFile != "" {
		tok, err := readTokenFile(g.TokenFile, m.o.Warnf)
		if err != nil {
			return Target{}, err
		}
		t.Token = &tok
	}
	return t, nil
}

// accountFor finds the account ref names, or the only one holding the role.
func accountFor(st *session.State, ref session.RoleRef) (*session.Account, error) {
	if len(st.Accounts) == 0 {
		return nil, NoAccountError()
	}
	if ref.Account != "" {
		if a := st.Account(ref.Account); a != nil {
			return a, nil
		}
		return nil, fault.WithHint(fault.New(fault.Auth, "no account %q on this machine", ref.Account), "approov role   (lists your accounts and roles)")
	}
	var found *session.Account
	for i := range st.Accounts {
		if st.Accounts[i].Grant(ref.Role) != nil {
			if found != nil {
				return nil, fault.WithHint(fault.New(fault.Usage, "several accounts give you the %s role", ref.Role),
					"name one: eval \"$(approov role "+string(ref.Role)+" <account>)\"")
			}
			found = &st.Accounts[i]
		}
	}
	if found == nil {
		return &st.Accounts[0], nil // target() reports the missing role
	}
	return found, nil
}

// onlyRole is the fallback when nothing chose a role: the single role held.
func (m *Manager) onlyRole(st *session.State) (Target, error) {
	if len(st.Accounts) == 0 {
		return Target{}, NoAccountError()
	}
	if len(st.Accounts) == 1 && len(st.Accounts[0].Roles) == 1 {
		a := st.Accounts[0]
		return m.target(st, session.RoleRef{Role: a.Roles[0].Role, Account: a.ID}, "only role")
	}
	return Target{}, fault.WithHint(fault.New(fault.Auth, "no active role"), "eval \"$(approov role <role> [<account>])\"   (approov role lists them)")
}

// tokenTarget builds the automation target from a management token. The
// token itself names the account, user, backend and service key, so a CI
// machine needs no init.
func (m *Manager) tokenTarget(st *session.State, spec string) (Target, error) {
	tok, err := parseTokenSpec(spec, m.o.Warnf)
	if err != nil {
		return Target{}, err
	}
	fp := tok.ServiceKey.String()
	acct := session.Account{ID: tok.Account, Name: tok.Account, Backend: tok.Backend, ServiceKey: fp, User: tok.User,
		Roles: []session.Grant{{Role: role.Automation, Method: session.MethodToken}}}
	if known := st.Account(tok.Account); known != nil && known.ServiceKey == fp {
		acct.Name, acct.Storage, acct.ServicePublicKey = known.Name, known.Storage, known.ServicePublicKey
	}
	return Target{Account: acct, Role: role.Automation, Token: &tok, From: "APPROOV_MANAGEMENT_TOKEN"}, nil
}

// parseTokenSpec reads APPROOV_MANAGEMENT_TOKEN: the token itself, or the
// path of a file holding it. The value is never printed, whatever its shape:
// an error naming a token without its prefix as a missing path would print it.
func parseTokenSpec(spec string, warnf func(string, ...any)) (auth.ManagementToken, error) {
	spec = strings.TrimSpace(spec)
	f, err := userfile.Open(spec)
	if err == nil {
		return readToken(f, spec, warnf)
	}
	if strings.Contains(strings.ToLower(spec), auth.TokenPrefix) {
		tok, err := auth.ParseManagementToken(spec)
		if err != nil {
			return tok, fault.WithHint(err, "check APPROOV_MANAGEMENT_TOKEN")
		}
		return tok, nil
	}
	return auth.ManagementToken{}, tokenSpecError(spec, err)
}

// tokenSpecError says what a value that is no readable file looked like.
func tokenSpecError(spec string, err error) error {
	what := "names no readable token file"
	if shape := auth.Shape(spec); shape != "" {
		what = "looks like " + shape + ", not a token (aom_…) or the path of a token file"
	} else if pe, ok := errors.AsType[*fs.PathError](err); ok {
		what += " (" + pe.Err.Error() + ")"
	} else if fault.KindOf(err) == fault.Invalid {
		what = "names something that is not a regular file"
	}
	return fault.WithHint(fault.New(fault.Auth, "APPROOV_MANAGEMENT_TOKEN %s", what),
		"APPROOV_MANAGEMENT_TOKEN holds a token (aom_…) or the path of a file holding one")
}

// readTokenFile reads the token file a grant names (a path init recorded).
func readTokenFile(path string, warnf func(string, ...any)) (auth.ManagementToken, error) {
	f, err := userfile.Open(path)
	if err != nil {
		return auth.ManagementToken{}, fault.WithHint(fault.New(fault.Auth, "cannot read the management token: %v", err),
			"set APPROOV_MANAGEMENT_TOKEN to the token or the path of its file")
	}
	return readToken(f, path, warnf)
}

// readToken reads a management token file (bounded: a token is small),
// warning, as ssh does for keys, when others may read it.
func readToken(f *os.File, path string, warnf func(string, ...any)) (auth.ManagementToken, error) {
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		warnf("the management token file %s is accessible to other users (mode %04o); run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	buf := make([]byte, 8192)
	n, _ := f.Read(buf)
	tok, err := auth.ParseManagementToken(string(buf[:n]))
	if err != nil {
		return tok, fault.WithHint(err, "check the token file "+path)
	}
	return tok, nil
}
