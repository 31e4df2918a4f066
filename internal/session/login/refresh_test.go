package login

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
)

// slowLogin counts logins and takes a while to finish each.
type slowLogin struct {
	backend.Backend
	logins atomic.Int32
}

func (b *slowLogin) LoginStart(context.Context, api.LoginStartRequest) (api.LoginChallenge, error) {
	return api.LoginChallenge{Challenge: []byte("c"), Token: true}, nil
}

func (b *slowLogin) LoginFinish(_ context.Context, r api.LoginFinishRequest) (api.SessionGrant, error) {
	n := b.logins.Add(1)
	time.Sleep(200 * time.Millisecond)
	return api.SessionGrant{Account: r.Account, User: r.User, Role: r.Role, Session: "ses_" + string(rune('a'+n)), ExpiresAt: time.Now().Add(time.Hour)}, nil
}

// security.md S2: two processes needing a session at once — one logs in
// (one prompt), the other waits, re-reads the state and reuses its session.
func TestConcurrentRefreshLogsInOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "approov")
	tok, err := auth.NewManagementToken("demo", "ci@example.com", []string{"local:/nowhere"}, auth.Fingerprint{1})
	if err != nil {
		t.Fatal(err)
	}
	b := &slowLogin{}
	target := Target{Account: session.Account{ID: "demo", Name: "demo", User: "ci@example.com"}, Role: role.Automation, Token: &tok}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { // one Manager and Store per "process"
			defer wg.Done()
			s, err := session.Open(session.Options{Dir: dir, Getenv: func(string) string { return "" }})
			if err != nil {
				t.Error(err)
				return
			}
			m := New(Options{Store: func() (*session.Store, error) { return s, nil },
				Open:   func(context.Context, session.Account) (backend.Backend, error) { return b, nil },
				Getenv: func(k string) string { return map[string]string{"APPROOV_STORAGE": "file"}[k] },
				Now:    time.Now, Warnf: t.Logf})
			if _, err := m.ConnectTo(context.Background(), target); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := b.logins.Load(); n != 1 {
		t.Fatalf("%d logins for two concurrent commands, want 1", n)
	}
}
