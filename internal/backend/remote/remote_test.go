package remote_test

import (
	"context"
	"testing"

	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/service"
)

// newEnv is an account on approovd started in-process on loopback, reached
// through the remote transport.
func newEnv(t *testing.T, cfg backendtest.Config) backendtest.Env {
	inst := servertest.Start(t, servertest.Options{Service: service.Options{Now: cfg.Now, Params: cfg.Params, Live: cfg.Live}})
	svc := service.New(inst.Store, service.Options{Now: cfg.Now, Params: cfg.Params, Location: []string{inst.Location()}})
	created, err := svc.CreateAccount(context.Background(), service.CreateAccountRequest{Name: "acme", FirstUser: "owner@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := remote.New(remote.Options{URLs: []string{inst.Location()}})
	if err != nil {
		t.Fatal(err)
	}
	b := backend.NewClient(tr, backend.ClientOptions{Account: created.Account, Fingerprint: created.Fingerprint, Now: cfg.Now})
	return backendtest.Env{Backend: b, Transport: tr, Code: created.Invitation.Code}
}

func TestConformance(t *testing.T) { backendtest.Run(t, newEnv) }
