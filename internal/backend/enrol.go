package backend

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// Client-side helpers: what a command needs around the Backend calls.

// PasswordEnrolment derives a role key from password with a fresh salt and
// params p (api.ServiceInfo.Params or api.CodeInfo.Params). It returns the
// enrolment to send and the private key, usable at once to log in.
func PasswordEnrolment(r role.Role, password []byte, p auth.Params) (api.Enrolment, ed25519.PrivateKey, error) {
	salt := auth.NewSalt()
	key, err := auth.DeriveKey(password, salt, p)
	if err != nil {
		return api.Enrolment{}, nil, err
	}
	v := api.Verifier{PublicKey: key.Public().(ed25519.PublicKey), Salt: salt, Params: p}
	return api.Enrolment{Role: r, Verifier: v}, key, nil
}

// TokenEnrolment enrols a management token for the automation role.
func TokenEnrolment(t auth.ManagementToken) api.Enrolment {
	return api.Enrolment{Role: role.Automation, Verifier: api.Verifier{PublicKey: t.PublicKey()}}
}

// NewPIN makes a recovery PIN and its verifier. Show the PIN once.
func NewPIN(p auth.Params) (string, api.Verifier, error) {
	pin := auth.NewPIN()
	digits, _ := auth.NormalizePIN(pin)
	salt := auth.NewSalt()
	key, err := auth.DeriveKey(digits, salt, p)
	if err != nil {
		return "", api.Verifier{}, err
	}
	return pin, api.Verifier{PublicKey: key.Public().(ed25519.PublicKey), Salt: salt, Params: p}, nil
}

// RecoveryProof signs a recovery redemption with the current PIN: info is
// InspectCode's answer for a recovery code, newPIN the PIN being enrolled.
func RecoveryProof(pin string, info api.CodeInfo, newPIN api.Verifier) ([]byte, error) {
	if info.PIN == nil {
		return nil, fault.New(fault.Invalid, "code %s is not a recovery code", info.ID)
	}
	digits, err := auth.NormalizePIN(pin)
	if err != nil {
		return nil, err
	}
	key, err := auth.DeriveKey(digits, info.PIN.Salt, info.PIN.Params)
	if err != nil {
		return nil, err
	}
	return auth.SignRecovery(key, auth.RecoveryStatement{CodeID: info.ID, NewPIN: newPIN.PublicKey}), nil
}

// Login completes a login begun with LoginStart: it makes a fresh session
// key, signs the challenge with roleKey (password-derived or a management
// token's key) and returns the Caller to sign later requests with.
func Login(ctx context.Context, b Backend, req api.LoginStartRequest, ch api.LoginChallenge, roleKey ed25519.PrivateKey) (Caller, api.SessionGrant, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Caller{}, api.SessionGrant{}, fault.Wrap(fault.Internal, err)
	}
	st := auth.LoginStatement{Account: req.Account, User: req.User, Role: req.Role, Challenge: ch.Challenge, SessionKey: pub}
	grant, err := b.LoginFinish(ctx, api.LoginFinishRequest{
		Account: req.Account, User: req.User, Role: req.Role,
		Challenge: ch.Challenge, SessionKey: pub, Signature: auth.SignLogin(roleKey, st),
	})
	if err != nil {
		return Caller{}, api.SessionGrant{}, err
	}
	return Caller{Account: grant.Account, Session: grant.Session, Key: priv}, grant, nil
}

// PasswordKey derives the role key for a login challenge from a password.
// Token challenges (ch.Token) need the management token's key instead.
func PasswordKey(password []byte, ch api.LoginChallenge) (ed25519.PrivateKey, error) {
	if ch.Token {
		return nil, fault.WithHint(fault.New(fault.Auth, "this role logs in with a management token, not a password"),
			"set APPROOV_MANAGEMENT_TOKEN")
	}
	return auth.DeriveKey(password, ch.Salt, ch.Params)
}
