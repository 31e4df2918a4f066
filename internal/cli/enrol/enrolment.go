package enrol

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// enrolment is everything init prepares before redeeming a code: the keys
// to enrol, the new recovery PIN, and for automation the token and its file.
type enrolment struct {
	request   api.RedeemRequest
	keys      map[role.Role]ed25519.PrivateKey // to open sessions at once
	pin       string
	token     *auth.ManagementToken
	tokenFile *os.File // created before redeeming, so the token cannot be lost to a bad path
	tokenPath string
	committed bool
}

// enrol derives one key per granted role and a new PIN, asking for
// passwords (or reading --password-stdin) and, for a recovery code, the
// current PIN.
func enrol(opts *Options, code auth.Code, info api.CodeInfo) (*enrolment, error) {
	e := &enrolment{keys: map[role.Role]ed25519.PrivateKey{}}
	// The PIN comes first: a recovery fails fast on a wrong PIN format
	// before any password is typed.
	err := e.enrolPIN(opts, info)
	if err == nil && opts.Automation {
		err = e.enrolToken(opts, code, info)
	} else if err == nil {
		err = e.enrolPasswords(opts, info)
	}
	if err != nil {
		e.cleanup()
		return nil, err
	}
	return e, nil
}

func (e *enrolment) enrolToken(opts *Options, code auth.Code, info api.CodeInfo) error {
	tok, err := auth.NewManagementToken(code.Account, info.User, code.Backend, code.ServiceKey)
	if err != nil {
		return err
	}
	path, err := filepath.Abs(opts.Out)
	if err != nil {
		return fault.New(fault.Usage, "--out %s: %v", opts.Out, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fault.WithHint(fault.New(fault.Usage, "%s already exists; approov never overwrites a token file", opts.Out), "choose another --out")
	}
	if err != nil {
		return fault.New(fault.Invalid, "cannot create %s: %v", opts.Out, err)
	}
	e.token, e.tokenFile, e.tokenPath = &tok, f, path
	e.keys[role.Automation] = tok.PrivateKey()
	e.request.Enrolments = []api.Enrolment{backend.TokenEnrolment(tok)}
	return nil
}

func (e *enrolment) enrolPasswords(opts *Options, info api.CodeInfo) error {
	var shared []byte
	if opts.PasswordStdin {
		pw, err := prompter.PasswordFromStdin(opts.IO.In)
		if err != nil {
			return err
		}
		if err := prompter.CheckNewPassword(pw); err != nil {
			return err
		}
		shared = pw
		defer auth.Wipe(pw)
	}
	for _, g := range info.Roles {
		pw := shared
		if pw == nil {
			p, err := opts.Prompter.NewPassword(fmt.Sprintf("New password for the %s role on %s", g.Role, info.Account))
			if err != nil {
				return err
			}
			pw = p
		}
		enr, key, err := backend.PasswordEnrolment(g.Role, pw, info.Params)
		if shared == nil {
			auth.Wipe(pw)
		}
		if err != nil {
			return err
		}
		e.request.Enrolments = append(e.request.Enrolments, enr)
		e.keys[g.Role] = key
	}
	return nil
}

func (e *enrolment) enrolPIN(opts *Options, info api.CodeInfo) error {
	pin, verifier, err := backend.NewPIN(info.Params)
	if err != nil {
		return err
	}
	e.pin, e.request.PIN = pin, verifier
	if info.Kind != api.CodeRecovery {
		return nil
	}
	old, err := opts.Prompter.Password("Your current recovery PIN")
	if err != nil {
		return err
	}
	defer auth.Wipe(old)
	e.request.PINProof, err = backend.RecoveryProof(string(old), info, verifier)
	return err
}

// commitToken writes the management token once the code is redeemed.
func (e *enrolment) commitToken() error {
	if e.tokenFile == nil {
		return nil
	}
	_, err := e.tokenFile.WriteString(e.token.String() + "\n")
	if err == nil {
		err = e.tokenFile.Sync()
	}
	if cerr := e.tokenFile.Close(); err == nil {
		err = cerr
	}
	e.tokenFile = nil
	if err != nil {
		return fault.WithHint(fault.New(fault.Internal, "the code was redeemed but the token could not be written to %s: %v", e.tokenPath, err),
			"ask an admin for a new automation code")
	}
	e.committed = true
	return nil
}

// cleanup removes a token file that never received its token.
func (e *enrolment) cleanup() {
	if e.tokenFile != nil {
		e.tokenFile.Close()
		e.tokenFile = nil
	}
	if e.tokenPath != "" && !e.committed {
		os.Remove(e.tokenPath)
	}
}

// grants turns the service's answer into the local record of roles.
func grants(rs []api.RoleGrant, e *enrolment) []session.Grant {
	out := make([]session.Grant, 0, len(rs))
	for _, g := range rs {
		sg := session.Grant{Role: g.Role, Expires: g.ExpiresAt, Method: session.MethodPassword}
		if g.Role == role.Automation && e.token != nil {
			sg.Method, sg.TokenFile = session.MethodToken, e.tokenPath
		}
		out = append(out, sg)
	}
	return out
}

// remember records the account, replacing an earlier enrolment of it (whose
// sessions belonged to keys that no longer exist).
func remember(ctx context.Context, m *login.Manager, acct session.Account) error {
	s, err := m.Store()
	if err != nil {
		return err
	}
	var stale []session.Session
	err = s.Update(ctx, func(st *session.State) error {
		stale = st.RemoveAccount(acct.ID)
		st.PutAccount(acct)
		return nil
	})
	for _, o := range stale {
		_ = s.DeleteSecret(ctx, o.SecretName(), o.Secret)
	}
	return err
}

// openSessions logs every enrolled role in with the key init already holds,
// so the user is not asked again, and makes the most capable role the
// default. A failure only costs a prompt later.
func openSessions(ctx context.Context, opts *Options, b backend.Backend, acct session.Account, keys map[role.Role]ed25519.PrivateKey) {
	var first role.Role
	for _, r := range role.All {
		key, ok := keys[r]
		if !ok {
			continue
		}
		t := login.Target{Account: acct, Role: r}
		_, err := opts.Auth.LoginWithKey(ctx, t, b, func(api.LoginChallenge) (ed25519.PrivateKey, error) { return key, nil })
		if err != nil {
			opts.IO.Warnf("could not open a %s session (%v); the next command will ask for its password", r, err)
			continue
		}
		if first == "" {
			first = r
		}
	}
	if first != "" {
		_ = opts.Auth.MarkUsed(ctx, login.Target{Account: acct, Role: first})
	}
}
