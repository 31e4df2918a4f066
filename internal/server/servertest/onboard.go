package servertest

import (
	"context"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
)

// Password is the password Onboard enrols every role with.
const Password = "correct horse battery staple"

// Account creates an account on the instance's store whose codes name
// locs (default: the instance), returning it with its first code.
func (i *Instance) Account(t testing.TB, o service.Options, name string, locs ...string) service.CreatedAccount {
	t.Helper()
	if len(locs) == 0 {
		locs = []string{i.Location()}
	}
	o.Location = locs
	created, err := service.New(i.Store, o).CreateAccount(context.Background(), service.CreateAccountRequest{Name: name, FirstUser: "owner@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// Onboard redeems the first user's code (every role with Password) and
// opens an admin session.
func Onboard(t testing.TB, b backend.Backend, codeText string) backend.Caller {
	t.Helper()
	ctx := context.Background()
	code, err := auth.ParseCode(codeText)
	check(t, err)
	info, err := b.InspectCode(ctx, code)
	check(t, err)
	var req api.RedeemRequest
	for _, g := range info.Roles {
		e, _, err := backend.PasswordEnrolment(g.Role, []byte(Password), info.Params)
		check(t, err)
		req.Enrolments = append(req.Enrolments, e)
	}
	_, req.PIN, err = backend.NewPIN(info.Params)
	check(t, err)
	_, err = b.Redeem(ctx, code, req)
	check(t, err)
	start := api.LoginStartRequest{Account: info.Account, User: info.User, Role: role.Admin}
	ch, err := b.LoginStart(ctx, start)
	check(t, err)
	key, err := backend.PasswordKey([]byte(Password), ch)
	check(t, err)
	caller, _, err := backend.Login(ctx, b, start, ch, key)
	check(t, err)
	return caller
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
