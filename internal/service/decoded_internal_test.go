package service

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

// TestDecodedCacheFollowsTheStore: a cached decoding is used only for the
// bytes it came from: a changed record is decoded afresh, a deleted one
// is missing, and a caller changing its copy changes nothing cached.
func TestDecodedCacheFollowsTheStore(t *testing.T) {
	st, s := boltService(t)
	ctx := context.Background()
	put := func(u *userRec) {
		t.Helper()
		if err := st.Update(ctx, func(tx store.Tx) error { return saveUser(tx, "acme", u) }); err != nil {
			t.Fatal(err)
		}
	}
	load := func() *userRec {
		t.Helper()
		var u *userRec
		if err := st.View(ctx, func(tx store.Tx) (err error) { u, err = s.loadUser(tx, "acme", "a@example.com"); return err }); err != nil {
			t.Fatal(err)
		}
		return u
	}
	u := newUser("a@example.com", time.Unix(1e9, 0).UTC())
	u.Roles[role.Admin] = &roleRec{Epoch: 1, Verifier: &verifierRec{Salt: []byte("salt")}}
	put(u)
	first := load()
	first.Roles[role.Admin].Epoch = 99 // a handler's change, never saved
	first.Roles[role.Admin].Verifier.Params.Time = 7
	delete(first.Roles, role.Admin)
	if again := load(); again.Roles[role.Admin] == nil || again.Roles[role.Admin].Epoch != 1 || again.Roles[role.Admin].Verifier.Params.Time != 0 {
		t.Fatalf("a caller's change reached the cache: %+v", again.Roles[role.Admin])
	}
	u.Roles[role.Admin].Revoked, u.Roles[role.Admin].Epoch = true, 2
	put(u)
	if got := load(); !got.Roles[role.Admin].Revoked || got.Roles[role.Admin].Epoch != 2 {
		raw, _ := json.Marshal(got)
		t.Fatalf("a changed record read as cached: %s", raw)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.Delete(store.Users, userKey("acme", "a@example.com")) }); err != nil {
		t.Fatal(err)
	}
	if got := load(); got != nil {
		t.Fatalf("a deleted record read as cached: %+v", got)
	}
}

// BenchmarkLoadUser reads a user of four enrolled roles in a read
// transaction, decoding it (decode) or reusing the cached decoding (cached).
func BenchmarkLoadUser(b *testing.B) {
	st, err := store.CreateBolt(filepath.Join(b.TempDir(), "s.db"), 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ctx := context.Background()
	s := New(st, Options{})
	u := newUser("a@example.com", time.Unix(1e9, 0).UTC())
	for i, r := range role.All {
		u.Roles[r] = &roleRec{Granted: time.Unix(1e9, 0).UTC(), Epoch: uint64(i), Verifier: &verifierRec{
			PublicKey: make([]byte, 32), Salt: make([]byte, 16), Params: auth.ProductionParams}}
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return saveUser(tx, "acme", u) }); err != nil {
		b.Fatal(err)
	}
	key := userKey("acme", u.Email)
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			st.View(ctx, func(tx store.Tx) error { _, err := getJSON(tx, store.Users, key, new(userRec)); return err })
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			st.View(ctx, func(tx store.Tx) error { _, err := s.loadUser(tx, "acme", u.Email); return err })
		}
	})
}

// TestSessionKeyPreparedOnce: a session decoded through the cache carries
// its key prepared, shared by every copy; a copy whose key was changed
// verifies under the new key, never the cached one.
func TestSessionKeyPreparedOnce(t *testing.T) {
	st, s := boltService(t)
	ctx := context.Background()
	key := auth.KeyFromSeed(make([]byte, 32))
	rec := sessionRec{ID: "ses_1", Account: "acme", PublicKey: key.Public().(ed25519.PublicKey)}
	if err := st.Update(ctx, func(tx store.Tx) error { return putJSON(tx, store.Sessions, rec.ID, rec) }); err != nil {
		t.Fatal(err)
	}
	load := func() *sessionRec {
		t.Helper()
		var sess *sessionRec
		if err := st.View(ctx, func(tx store.Tx) (err error) { sess, err = s.dec.sessions.load(tx, store.Sessions, rec.ID); return err }); err != nil {
			t.Fatal(err)
		}
		return sess
	}
	first, second := load(), load()
	if first.verifier == nil || first.verifyKey() != second.verifyKey() {
		t.Fatal("the cached session's key is prepared again for each request")
	}
	req := &auth.Request{Account: "acme", Method: "GET", Path: "/v1/accounts/acme/whoami"}
	req.Sign(rec.ID, key, time.Unix(1e9, 0))
	if err := req.VerifyWith(first.verifyKey()); err != nil {
		t.Fatalf("the prepared key refuses its session's signature: %v", err)
	}
	other := auth.KeyFromSeed(bytes.Repeat([]byte{1}, 32))
	second.PublicKey = other.Public().(ed25519.PublicKey)
	if err := req.VerifyWith(second.verifyKey()); err == nil {
		t.Fatal("a session whose key changed verified under the cached key")
	}
}

// boltService is a Service on a new bbolt store of t's.
func boltService(t testing.TB) (*store.Bolt, *Service) {
	st, err := store.CreateBolt(filepath.Join(t.TempDir(), "s.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, New(st, Options{})
}
