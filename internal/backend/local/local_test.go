package local_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/backend/local"
	"github.com/approov-cli/approov/internal/service"
)

func newEnv(t *testing.T, cfg backendtest.Config) backendtest.Env {
	path := filepath.Join(t.TempDir(), "local", "acme.db")
	opts := local.Options{Now: cfg.Now, Params: cfg.Params, Live: cfg.Live}
	created, err := local.CreateAccount(context.Background(), path, service.CreateAccountRequest{Name: "acme", FirstUser: "owner@example.com"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tr := &local.Transport{Path: path, Opts: opts}
	b := backend.NewClient(tr, backend.ClientOptions{Account: created.Account, Fingerprint: created.Fingerprint, Now: cfg.Now})
	return backendtest.Env{Backend: b, Transport: tr, Code: created.Invitation.Code}
}

func TestConformance(t *testing.T) { backendtest.Run(t, newEnv) }

// A code or token is hostile input: the path it names is only ever opened,
// never created (nor its directories), and a missing store is a clear error.
func TestCodeNeverCreatesAStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowhere")
	path := filepath.Join(dir, "acme.db")
	code, err := auth.NewCode("acme", []string{auth.LocalPrefix + path}, auth.Fingerprint{1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := local.ForCode(code, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.InspectCode(context.Background(), code); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("InspectCode on a missing store: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("following a code created %s: %v", dir, err)
	}
}
