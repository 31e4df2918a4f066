package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
)

// scanned sums the keys the trace's scans of bucket b read.
func scanned(trace []string, b store.Bucket) (n int) {
	for _, e := range trace {
		var got int
		if _, err := fmt.Sscanf(e, "scan "+string(b)+" %d", &got); err == nil {
			n += got
		}
	}
	return n
}

// TestAuditSinceReadsOnlyWhatItReturns: audit is keyed by account and
// time, so a --since query reads only the events it answers with.
func TestAuditSinceReadsOnlyWhatItReturns(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	admin, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		if _, err := h.b.AddUser(h.ctx, admin, api.AddUserRequest{Email: fmt.Sprintf("old%d@example.com", i), Roles: []role.Role{role.Dev}}); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(time.Minute)
	since := h.clock.Now()
	for i := range 3 {
		if _, err := h.b.AddUser(h.ctx, admin, api.AddUserRequest{Email: fmt.Sprintf("new%d@example.com", i), Roles: []role.Role{role.Dev}}); err != nil {
			t.Fatal(err)
		}
	}
	h.st.take()
	events, err := h.b.ListAudit(h.ctx, admin, api.AuditQuery{Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events since %v, want 3", len(events), since)
	}
	if n := scanned(h.st.take(), store.Audit); n != len(events) {
		t.Fatalf("the query read %d audit keys to answer %d events", n, len(events))
	}
	all, err := h.b.ListAudit(h.ctx, admin, api.AuditQuery{})
	if err != nil || len(all) < 33 {
		t.Fatalf("full log: %d events, %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq || all[i].Time.Before(all[i-1].Time) {
			t.Fatalf("events %d and %d out of order: %+v, %+v", i-1, i, all[i-1], all[i])
		}
	}
}

// TestExpiryThroughIndex: a login deletes expired sessions, codes and
// nonces through the expiry index, never scanning the records themselves,
// and reads no more index entries than it deletes.
func TestExpiryThroughIndex(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	for range 5 {
		c, err := h.login("owner@example.com", role.Admin, "pw-admin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.b.WhoAmI(h.ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(73 * time.Hour) // past the sessions' hour and the code's 72 h
	h.st.take()
	if _, err := h.login("owner@example.com", role.Admin, "pw-admin"); err != nil {
		t.Fatal(err)
	}
	trace := h.st.take()
	for _, b := range []store.Bucket{store.Sessions, store.Codes} {
		if slices.ContainsFunc(trace, func(e string) bool { return strings.HasPrefix(e, "scan "+string(b)+" ") }) {
			t.Errorf("login scanned the %s bucket: %v", b, trace)
		}
	}
	left := map[store.Bucket]int{}
	err := h.st.Store.View(context.Background(), func(tx store.Tx) error {
		for _, b := range []store.Bucket{store.Sessions, store.Codes, store.Nonces, store.NonceCounts, store.Expiry} {
			tx.Scan(b, "", "", func(string, []byte) error { left[b]++; return nil })
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The new session, its login's nonce and that minute's count, and the
	// index entries of the session and the count (the count's stands for
	// the nonce's).
	want := map[store.Bucket]int{store.Sessions: 1, store.Codes: 0, store.Nonces: 1, store.NonceCounts: 1, store.Expiry: 2}
	for b, n := range want {
		if left[b] != n {
			t.Errorf("%s: %d records left after the sweep, want %d", b, left[b], n)
		}
	}
	// 5 sessions, 1 code, 5 request nonces and the 5 sessions' counts, 2
	// code nonces and their count, the init's idempotency record: 20
	// records under 13 index entries, each count's standing for its
	// nonces; the 5 expired login nonces and their count went first, with
	// the login's own replay range.
	if n := scanned(trace, store.Expiry); n != 13 {
		t.Errorf("the sweep read %d index entries for 20 expired records, want 13", n)
	}
}

// TestReadOnlyRequestsShareNoRow: two sessions' read-only requests write
// disjoint keys (their replay records and their sessions' own counts), so
// on a server store they never conflict; no row is written by every
// request.
func TestReadOnlyRequestsShareNoRow(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	a, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		t.Fatal(err)
	}
	d, err := h.login("owner@example.com", role.Dev, "pw-dev")
	if err != nil {
		t.Fatal(err)
	}
	var writes [2][]string
	for i, who := range []backend.Caller{a, d} {
		h.st.takePuts()
		for range 2 {
			if _, err := h.b.WhoAmI(h.ctx, who); err != nil {
				t.Fatal(err)
			}
		}
		writes[i] = h.st.takePuts()
	}
	for _, k := range writes[0] {
		if slices.Contains(writes[1], k) {
			t.Errorf("both sessions' read-only requests wrote %s (all writes: %v and %v)", k, writes[0], writes[1])
		}
	}
	// Each request: its replay record and its minute's count (whose index
	// entry stands for the records'); the first also indexes the new count.
	if len(writes[0]) != 5 {
		t.Errorf("two read-only requests wrote %v, want 5 keys", writes[0])
	}
}

// TestTransactionsSurviveConflicts runs the whole flow on a store whose
// first commit of every transaction conflicts: every function runs twice,
// and the outcome is as without conflicts (no code spent twice, no
// duplicate audit events, sessions that work).
func TestTransactionsSurviveConflicts(t *testing.T) {
	h := newHarness(t, nil)
	h.st.conflictFirst = true
	h.enrol()
	admin, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := h.b.AddUser(h.ctx, admin, api.AddUserRequest{Email: "dev@example.com", Roles: []role.Role{role.Dev}})
	if err != nil || inv.Code == "" {
		t.Fatalf("add user: %+v, %v", inv, err)
	}
	events, err := h.b.ListAudit(h.ctx, admin, api.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for i, e := range events {
		ops = append(ops, e.Op)
		if e.Seq != uint64(i+1) {
			t.Errorf("event %d has seq %d: a failed attempt's event is visible or lost", i, e.Seq)
		}
	}
	if got := strings.Join(ops, " "); got != "account.create init login users.add" {
		t.Errorf("audit ops %q", got)
	}
	if h.st.attempts < 2*5 {
		t.Errorf("%d attempts: the injected conflicts did not make functions re-run", h.st.attempts)
	}
}

// TestConformanceUnderConflicts runs the whole backend conformance suite
// on a store whose every transaction conflicts once: each handler's
// function runs twice, and every case must still hold.
func TestConformanceUnderConflicts(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, cfg backendtest.Config) backendtest.Env {
		path := filepath.Join(t.TempDir(), "acme.db")
		bolt, err := store.CreateBolt(path, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bolt.Close() })
		st := &tracingStore{Store: bolt, conflictFirst: true}
		svc := service.New(st, service.Options{Now: cfg.Now, Params: cfg.Params, Location: []string{"local:" + path}, Live: cfg.Live})
		created, err := svc.CreateAccount(context.Background(), service.CreateAccountRequest{Name: "acme", FirstUser: "owner@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		tr := handlerTransport{svc}
		b := backend.NewClient(tr, backend.ClientOptions{Account: created.Account, Fingerprint: created.Fingerprint, Now: cfg.Now})
		return backendtest.Env{Backend: b, Transport: tr, Code: created.Invitation.Code}
	})
}

// TestReplayCheckCostIsConstant: however many requests a session made in
// the window, checking one more reads only a few keys (no scan of the
// session's live entries).
func TestReplayCheckCostIsConstant(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	c, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if i%10 == 0 {
			h.clock.Advance(time.Second) // 30 s of traffic: two count slots at most
		}
		if _, err := h.b.WhoAmI(h.ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	h.st.take()
	if _, err := h.b.WhoAmI(h.ctx, c); err != nil {
		t.Fatal(err)
	}
	trace := h.st.take()
	if n := scanned(trace, store.Nonces) + scanned(trace, store.NonceCounts); n > 2 {
		t.Fatalf("the replay check after 300 requests read %d keys: %v", n, trace)
	}
}

// TestSweepDeletesNoncesThroughTheirCount: sessions' replay records have
// no index entries of their own; once their minute's count expires, logins
// sweep them through the count's entry, 500 records per sweep in all (two
// sessions' 400 each take two sweeps), the entry staying until the last
// record is gone.
func TestSweepDeletesNoncesThroughTheirCount(t *testing.T) {
	h := newHarness(t, nil)
	h.enrol()
	for _, r := range []role.Role{role.Admin, role.Dev} {
		c, err := h.login("owner@example.com", r, "pw-"+string(r))
		if err != nil {
			t.Fatal(err)
		}
		for range 400 {
			if _, err := h.b.WhoAmI(h.ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	sessionNonces := func() (n int) {
		err := h.st.Store.View(context.Background(), func(tx store.Tx) error {
			return tx.Scan(store.Nonces, "ses_", "ses`", func(string, []byte) error { n++; return nil })
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sessionNonces(); n != 800 {
		t.Fatalf("%d replay records for 800 requests", n)
	}
	h.clock.Advance(7 * time.Minute) // past the window and the counts' minute
	for i, want := range [][2]int{{300, 799}, {0, 0}, {0, 0}} {
		if _, err := h.login("owner@example.com", role.Admin, "pw-admin"); err != nil {
			t.Fatal(err)
		}
		if n := sessionNonces(); n < want[0] || n > want[1] {
			t.Fatalf("after sweep %d: %d of the sessions' replay records left, want %d to %d", i+1, n, want[0], want[1])
		}
	}
}

func TestCountRow(t *testing.T) {
	for _, tt := range []struct {
		key, credential string
		slot            int64
		ok              bool
	}{
		{"ses_a|00000000000029922365", "ses_a", 29922365, true},
		{"ses_a|00000000000029922365|07", "", 0, false}, // a shard row: its records have index entries
		{"login\x00acct\x00a|b@example.com\x00admin|00000000000000000001", "login\x00acct\x00a|b@example.com\x00admin", 1, true},
		{"attest\x00acct\x00m12|00000000000000000002", "attest\x00acct\x00m12", 2, true},
		{"|00000000000000000003", "", 3, true},
		{"ses_a|0000000000002992236x", "", 0, false},
		{"ses_a00000000000029922365", "", 0, false},
		{"00000000000029922365", "", 0, false},
		{"", "", 0, false},
	} {
		credential, slot, ok := service.CountRow(tt.key)
		if credential != tt.credential || slot != tt.slot || ok != tt.ok {
			t.Errorf("countRow(%q) = %q, %d, %v; want %q, %d, %v", tt.key, credential, slot, ok, tt.credential, tt.slot, tt.ok)
		}
	}
}
