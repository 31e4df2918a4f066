package loadgen

import (
	"context"
	"crypto/rand"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/role"
)

// Onboard redeems a fresh account's first code with a random password and
// opens n admin sessions (as n machines would after `approov init`): the
// service bounds the requests one session may sign in its replay window.
func Onboard(ctx context.Context, b backend.Backend, code auth.Code, n int) ([]backend.Caller, error) {
	pw := []byte(rand.Text())
	info, err := redeem(ctx, b, code, pw)
	if err != nil {
		return nil, err
	}
	callers := make([]backend.Caller, max(n, 1))
	for i := range callers {
		if callers[i], err = login(ctx, b, info, pw); err != nil {
			return nil, err
		}
	}
	return callers, nil
}

func redeem(ctx context.Context, b backend.Backend, code auth.Code, pw []byte) (api.CodeInfo, error) {
	info, err := b.InspectCode(ctx, code)
	if err != nil {
		return info, err
	}
	var req api.RedeemRequest
	for _, g := range info.Roles {
		e, _, err := backend.PasswordEnrolment(g.Role, pw, info.Params)
		if err != nil {
			return info, err
		}
		req.Enrolments = append(req.Enrolments, e)
	}
	if _, req.PIN, err = backend.NewPIN(info.Params); err != nil {
		return info, err
	}
	_, err = b.Redeem(ctx, code, req)
	return info, err
}

func login(ctx context.Context, b backend.Backend, info api.CodeInfo, pw []byte) (backend.Caller, error) {
	start := api.LoginStartRequest{Account: info.Account, User: info.User, Role: role.Admin}
	ch, err := b.LoginStart(ctx, start)
	if err != nil {
		return backend.Caller{}, err
	}
	key, err := backend.PasswordKey(pw, ch)
	if err != nil {
		return backend.Caller{}, err
	}
	caller, _, err := backend.Login(ctx, b, start, ch, key)
	return caller, err
}
