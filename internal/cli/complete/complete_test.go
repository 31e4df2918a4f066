package complete

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// offline is a Manager on account "demo" with no session, whose backend
// is an address nothing listens on and whose prompter fails the test: a
// completion that logs in, connects or prompts fails.
func offline(t *testing.T) *login.Manager {
	t.Helper()
	s, err := session.Open(session.Options{Dir: filepath.Join(t.TempDir(), "approov")})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(st *session.State) error {
		st.PutAccount(session.Account{ID: "demo", Name: "demo", User: "owner@example.com", Backend: []string{"https://127.0.0.1:1"},
			Roles: []session.Grant{{Role: role.Admin, Method: session.MethodPassword}}})
		st.LastUsed = "admin:demo"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return login.New(login.Options{
		Store: func() (*session.Store, error) { return s, nil },
		Open: func(context.Context, session.Account) (backend.Backend, error) {
			t.Error("completion opened the backend")
			return nil, os.ErrDeadlineExceeded
		},
		Prompter: func() prompter.Prompter { t.Error("completion prompted"); return nil },
		Getenv:   func(string) string { return "" },
		Now:      time.Now,
	})
}

func TestCompletionOfflineAndFast(t *testing.T) {
	m := offline(t)
	ctx := context.Background()
	must(t, Remember(ctx, m, "demo", Emails, []string{"carol@example.com", "bob@example.com", "bob@example.com", "bad\x1b[2J"}))
	must(t, Add(ctx, m, "demo", Emails, "dave@example.com"))
	must(t, Drop(ctx, m, "demo", Emails, "carol@example.com"))
	must(t, Remember(ctx, m, "other", Emails, []string{"eve@example.com"}))
	f, _ := clitest.Factory(clitest.Config{Auth: m})
	cmd := &cobra.Command{Use: "x"}
	cmd.SetContext(ctx)
	start := time.Now()
	got, dir := From(f, Emails)(cmd, nil, "")
	if d := time.Since(start); d > time.Second {
		t.Errorf("completion took %s", d)
	}
	if want := []string{"bob@example.com", "dave@example.com"}; !slices.Equal(got, want) || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Fatalf("emails = %q (%v), want %q: sorted, deduplicated, no control characters, this account only", got, dir, want)
	}
	if got, _ := From(f, Emails)(cmd, []string{"bob@example.com"}, "d"); !slices.Equal(got, []string{"dave@example.com"}) {
		t.Errorf("prefix d, bob given = %q", got)
	}
	if got, _ := Positional(f, Roles, Accounts)(cmd, []string{"admin"}, ""); !slices.Equal(got, []string{"demo"}) {
		t.Errorf("role's account = %q", got)
	}
	if got, _ := Positional(f, Roles)(cmd, nil, "de"); !slices.Equal(got, []string{"dev", "delegate"}) {
		t.Errorf("roles de = %q", got)
	}
	if got, _ := From(f, Domains)(cmd, nil, ""); len(got) != 0 {
		t.Errorf("nothing cached yet for domains: %q", got)
	}
}

func TestCacheFileHostileOrMissing(t *testing.T) {
	m := offline(t)
	f, _ := clitest.Factory(clitest.Config{Auth: m})
	cmd := &cobra.Command{Use: "x"}
	cmd.SetContext(context.Background())
	s, _ := m.Store()
	for _, content := range []string{"", "{", `{"version":2,"accounts":{"demo":{"emails":{"values":["x"]}}}}`, `[1,2]`} {
		must(t, os.WriteFile(filepath.Join(s.Dir(), cacheFile), []byte(content), 0o600))
		if got, _ := From(f, Emails)(cmd, nil, ""); len(got) != 0 {
			t.Errorf("cache %q gave %q", content, got)
		}
	}
	// A broken file is replaced by the next refresh.
	must(t, Remember(context.Background(), m, "demo", Emails, []string{"a@example.com"}))
	if got, _ := From(f, Emails)(cmd, nil, ""); !slices.Equal(got, []string{"a@example.com"}) {
		t.Errorf("after refresh: %q", got)
	}
	if fi, err := os.Stat(filepath.Join(s.Dir(), cacheFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v %v", fi, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
