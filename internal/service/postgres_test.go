package service_test

import (
	"context"
	"os"
	"testing"

	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
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
