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
// opens an admin session, as `approov init` would.
func Onboard(ctx context.Context, b backend.Backend, code auth.Code) (backend.Caller, error) {
	pw := []byte(rand.Text())
	info, err := b.InspectCode(ctx, code)
	if err != nil {
		return backend.Caller{}, err
	}
	var req api.RedeemRequest
	for _, g := range info.Roles {
		e, _, err := backend.PasswordEnrolment(g.Role, pw, info.Params)
		if err != nil {
			return backend.Caller{}, err
		}
		req.Enrolments = append(req.Enrolments, e)
	}
	if _, req.PIN, err = backend.NewPIN(info.Params); err != nil {
		return backend.Caller{}, err
	}
	if _, err := b.Redeem(ctx, code, req); err != nil {
		return backend.Caller{}, err
	}
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
