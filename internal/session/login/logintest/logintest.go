// Package logintest builds a login.Manager with a live session on a given
// backend, so that command tests run their real code without a login.
package logintest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"path/filepath"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/prompter/promptertest"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// LiveManager returns a Manager whose active role r on account "demo" has a
// live session; every backend call goes to b. Prompting fails the test's
// command (the scripted prompter has no answers).
func LiveManager(t testing.TB, b backend.Backend, r role.Role) *login.Manager {
	t.Helper()
	ctx := context.Background()
	s, err := session.Open(session.Options{Dir: filepath.Join(t.TempDir(), "approov")})
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	sess := session.Session{ID: "ses_test", Account: "demo", Role: r, Created: time.Now(), Expires: time.Now().Add(time.Hour)}
	if sess.Secret, err = s.PutSecret(ctx, sess.SecretName(), base64.StdEncoding.EncodeToString(key.Seed()), session.PolicyFile); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(st *session.State) error {
		st.PutAccount(session.Account{ID: "demo", Name: "demo", User: "owner@example.com", Backend: []string{"local:/nowhere"},
			Roles: []session.Grant{{Role: r, Method: session.MethodPassword}}})
		st.PutSession(sess)
		st.LastUsed = string(r) + ":demo"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return login.New(login.Options{
		Store:    func() (*session.Store, error) { return s, nil },
		Open:     func(context.Context, session.Account) (backend.Backend, error) { return b, nil },
		Prompter: func() prompter.Prompter { return &promptertest.Scripted{} },
		Getenv:   func(string) string { return "" },
		Now:      time.Now,
		Warnf:    func(format string, a ...any) { t.Logf("warning: "+format, a...) },
	})
}
