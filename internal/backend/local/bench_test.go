package local_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/local"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
)

// liveSession creates an account in a temp home, redeems its code and logs
// in as admin, as `account create --local --init` would.
func liveSession(tb testing.TB) (*backend.Client, backend.Caller, string) {
	ctx := context.Background()
	opts := local.Options{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}}
	created, path, err := local.Create(ctx, filepath.Join(tb.TempDir(), "home"), service.CreateAccountRequest{FirstUser: "owner@example.com"}, opts)
	if err != nil {
		tb.Fatal(err)
	}
	code, _ := auth.ParseCode(created.Invitation.Code)
	b, err := local.ForCode(code, opts)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := b.InspectCode(ctx, code)
	if err != nil {
		tb.Fatal(err)
	}
	var req api.RedeemRequest
	keys := map[role.Role][]byte{}
	for _, g := range info.Roles {
		e, k, _ := backend.PasswordEnrolment(g.Role, []byte("pw"), info.Params)
		req.Enrolments, keys[g.Role] = append(req.Enrolments, e), k
	}
	_, req.PIN, _ = backend.NewPIN(info.Params)
	if _, err := b.Redeem(ctx, code, req); err != nil {
		tb.Fatal(err)
	}
	start := api.LoginStartRequest{Account: code.Account, User: info.User, Role: role.Admin}
	ch, err := b.LoginStart(ctx, start)
	if err != nil {
		tb.Fatal(err)
	}
	key, _ := backend.PasswordKey([]byte("pw"), ch)
	caller, _, err := backend.Login(ctx, b, start, ch, key)
	if err != nil {
		tb.Fatal(err)
	}
	return b, caller, path
}

// BenchmarkSignedRequest is the service+store part of a command inside a
// live session: sign, open the store, verify (freshness, signature,
// session, role, replay, permission), run, audit, sign and verify the
// answer, close the store.
func BenchmarkSignedRequest(b *testing.B) {
	ctx := context.Background()
	for _, op := range []struct {
		name string
		fn   func(*backend.Client, backend.Caller) error
	}{
		{"whoami", func(c *backend.Client, who backend.Caller) error { _, err := c.WhoAmI(ctx, who); return err }},
		{"users.list", func(c *backend.Client, who backend.Caller) error { _, err := c.ListUsers(ctx, who); return err }},
		{"users.add", func(c *backend.Client, who backend.Caller) error {
			_, err := c.AddUser(ctx, who, api.AddUserRequest{Email: auth.NewNonce() + "@example.com", Roles: []role.Role{role.Dev}})
			return err
		}},
	} {
		b.Run(op.name, func(b *testing.B) {
			c, who, _ := liveSession(b)
			for b.Loop() {
				if err := op.fn(c, who); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFreshClient adds what a new CLI process pays on top: building
// the client from a code's fingerprint, fetching and checking the key.
func BenchmarkFreshClient(b *testing.B) {
	ctx := context.Background()
	c, who, path := liveSession(b)
	key, _ := c.ServiceKey(ctx)
	for b.Loop() {
		fresh := local.Open(path, backend.ClientOptions{Account: who.Account, ServiceKey: key}, local.Options{})
		if _, err := fresh.WhoAmI(ctx, who); err != nil {
			b.Fatal(err)
		}
	}
}
