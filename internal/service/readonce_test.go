package service_test

import (
	"slices"
	"testing"

	"github.com/approov-cli/approov/internal/role"
)

// TestSessionRequestReadsOnceBeforeItsWrite: a session-signed request
// finds its account and checks its session in one read transaction, then
// writes its replay record, then runs its handler; whoami answers from
// that check, with no transaction of its own. On PostgreSQL each
// transaction costs round trips, so the first read must not be split in
// two, nor repeated.
func TestSessionRequestReadsOnceBeforeItsWrite(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	admin := h.mustLogin(role.Admin)
	h.st.take()
	if _, err := h.b.WhoAmI(h.ctx, admin); err != nil {
		t.Fatal(err)
	}
	var txs []string
	for _, e := range h.st.take() {
		if e == "view" || e == "update" {
			txs = append(txs, e)
		}
	}
	if want := []string{"view", "update"}; !slices.Equal(txs, want) {
		t.Fatalf("whoami ran transactions %q, want %q", txs, want)
	}
}
