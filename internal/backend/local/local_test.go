package local_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/backend/local"
	"github.com/approov-cli/approov/internal/service"
)

func newEnv(t *testing.T, cfg backendtest.Config) backendtest.Env {
	path := filepath.Join(t.TempDir(), "local", "acme.db")
	opts := local.Options{Now: cfg.Now, Params: cfg.Params}
	created, err := local.CreateAccount(context.Background(), path, service.CreateAccountRequest{Name: "acme", FirstUser: "owner@example.com"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tr := &local.Transport{Path: path, Opts: opts}
	b := backend.NewClient(tr, backend.ClientOptions{Account: created.Account, Fingerprint: created.Fingerprint, Now: cfg.Now})
	return backendtest.Env{Backend: b, Transport: tr, Code: created.Invitation.Code}
}

func TestConformance(t *testing.T) { backendtest.Run(t, newEnv) }
