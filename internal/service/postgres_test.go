package service_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// TestMain stops the private PostgreSQL cluster the tests below start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestConformancePostgres runs the backend conformance suite with the
// service in-process on a PostgreSQL store, as approovd runs it.
func TestConformancePostgres(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, cfg backendtest.Config) backendtest.Env {
		return postgresEnv(t, cfg, func(st store.Store) store.Store { return st })
	})
}

// TestConformancePostgresUnderConflicts: the suite again, with every
// transaction's first run conflicting, so each handler runs twice on
// PostgreSQL too.
func TestConformancePostgresUnderConflicts(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, cfg backendtest.Config) backendtest.Env {
		return postgresEnv(t, cfg, func(st store.Store) store.Store { return &tracingStore{Store: st, conflictFirst: true} })
	})
}

func postgresEnv(t *testing.T, cfg backendtest.Config, wrap func(store.Store) store.Store) backendtest.Env {
	ctx := context.Background()
	pg, err := postgres.Create(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	svc := service.New(wrap(pg), service.Options{Now: cfg.Now, Params: cfg.Params, Location: []string{"https://approovd.example.com"}, Live: cfg.Live})
	created, err := svc.CreateAccount(ctx, service.CreateAccountRequest{Name: "acme", FirstUser: "owner@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	tr := handlerTransport{svc}
	b := backend.NewClient(tr, backend.ClientOptions{Account: created.Account, Fingerprint: created.Fingerprint, Now: cfg.Now})
	return backendtest.Env{Backend: b, Transport: tr, Code: created.Invitation.Code}
}

// TestConcurrentWritesNoLostRace: concurrent audited writes of one
// account (they all bump its audit sequence row) on PostgreSQL never fail
// as a lost race: with two clients ~1.2 % of users.add once lost all five
// runs. Four admin sessions add 25 users each: every add succeeds and the
// audit log holds each once.
func TestConcurrentWritesNoLostRace(t *testing.T) {
	pg, err := postgres.Create(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	h := newHarnessOn(t, pg, "https://approovd.example.com", nil)
	h.enrol()
	var sessions []backend.Caller
	for range 4 {
		c, err := h.login("owner@example.com", role.Admin, "pw-admin")
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, c)
	}
	var wg sync.WaitGroup
	for i, c := range sessions {
		wg.Go(func() {
			for j := range 25 {
				email := fmt.Sprintf("u%d-%d@example.com", i, j)
				if _, err := h.b.AddUser(h.ctx, c, api.AddUserRequest{Email: email, Roles: []role.Role{role.Dev}}); err != nil {
					t.Errorf("add %s: %v", email, err)
				}
			}
		})
	}
	wg.Wait()
	users, err := h.b.ListUsers(h.ctx, sessions[0])
	if err != nil || len(users) != 101 {
		t.Fatalf("%d users (want 100 and the owner), %v", len(users), err)
	}
}
