package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/store/postgres"
)

// TestStandby: an instance pointed at a streaming standby (made with
// pg_basebackup from the primary, as docs/approovd.md's "Primary and
// standby" has it) is not ready (/readyz 503: it cannot write replay
// records) and its signed requests fail as network errors (exit 7), not
// as anything a user must act on; once the primary is gone and the
// standby promoted, the same instance is ready and serves reads and
// writes, with everything the primary had acknowledged.
func TestStandby(t *testing.T) {
	ctx := context.Background()
	primary, f := ownCluster(t)
	admin := servertest.Onboard(t, f.b[0], f.created.Invitation.Code)
	if _, err := f.b[0].AddUser(ctx, admin, api.AddUserRequest{Email: "before@example.com", Roles: []role.Role{role.Dev}}); err != nil {
		t.Fatal(err)
	}
	standby, err := primary.Standby()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(standby.Stop)
	st, err := postgres.Open(ctx, standby.URL("postgres"))
	if err != nil {
		t.Fatalf("open the store on the standby: %v", err)
	}
	inst := servertest.Start(t, servertest.Options{Service: offline, Store: st})
	b, err := remote.Open(f.created.Account, f.created.Fingerprint, remote.Options{URLs: []string{inst.Location()}, Timeout: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readyz(t, inst); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz on the standby: %d, want 503", got)
	}
	if got := readyz(t, f.insts[0]); got != http.StatusOK {
		t.Errorf("/readyz on the primary: %d, want 200", got)
	}
	if _, err := backend.Call(ctx, b, api.OpPinPull, admin, api.Empty{}); fault.KindOf(err) != fault.Network {
		t.Errorf("a signed read at the standby: %v (kind %v), want a network error", err, fault.KindOf(err))
	}

	primary.Halt(false) // the primary is lost: fail over
	if err := standby.Promote(); err != nil {
		t.Fatal(err)
	}
	if got := readyz(t, inst); got != http.StatusOK {
		t.Errorf("/readyz after promote: %d, want 200", got)
	}
	if _, err := backend.Call(ctx, b, api.OpPinPull, admin, api.Empty{}); err != nil {
		t.Errorf("a signed read after promote: %v", err)
	}
	if _, err := b.AddUser(ctx, admin, api.AddUserRequest{Email: "after@example.com", Roles: []role.Role{role.Dev}}); err != nil {
		t.Errorf("a write after promote: %v", err)
	}
	checkAcked(t, b, admin, []string{"before@example.com", "after@example.com"})
}
