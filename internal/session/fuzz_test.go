package session

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadState feeds arbitrary bytes as state.json: the store either
// loads a state or fails closed (moving the file aside), and never panics.
func FuzzReadState(f *testing.F) {
	f.Add([]byte(`{"version":1,"accounts":[{"id":"a","roles":[{"role":"admin"}]}],"sessions":[{"id":"s","account":"a","role":"admin"}]}`))
	f.Add([]byte(`{"version":1,"last_used":"admin:a"}`))
	f.Add([]byte(`{"version":99}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"version":1,"accounts":[{"roles":[{"expires":"not a time"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := filepath.Join(t.TempDir(), "a")
		s, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(s.Path(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := s.Load(context.Background())
		if err != nil {
			checkNothingLost(t, s.Path(), data)
			return
		}
		if b, err := os.ReadFile(s.Path()); err != nil || !bytes.Equal(b, data) {
			t.Fatalf("loading changed the state file: %v", err)
		}
		// Whatever loaded can be used and written back.
		_, _ = ParseRoleRef(st.LastUsed)
		for _, a := range st.Accounts {
			st.Account(a.ID)
		}
		if err := s.Update(context.Background(), func(*State) error { return nil }); err != nil {
			t.Fatalf("a state that loads must save: %v", err)
		}
	})
}

// checkNothingLost: a state file that failed to load is either still in
// place or moved aside, byte for byte.
func checkNothingLost(t *testing.T, path string, data []byte) {
	t.Helper()
	if b, err := os.ReadFile(path); err == nil {
		if !bytes.Equal(b, data) {
			t.Fatal("a state file that failed to load was changed")
		}
		return
	}
	aside, _ := filepath.Glob(path + ".corrupt-*")
	if len(aside) != 1 {
		t.Fatalf("state file gone, %d copies aside", len(aside))
	}
	if b, err := os.ReadFile(aside[0]); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("the copy aside differs: %v", err)
	}
}

func FuzzParseRoleRef(f *testing.F) {
	for _, s := range []string{"admin", "dev:demo", "automation:a:b", "", ":", "ADMIN: x "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseRoleRef(s)
		if err != nil {
			return
		}
		again, err := ParseRoleRef(ref.String())
		if err != nil || again != ref {
			t.Fatalf("%q → %v does not round-trip: %v, %v", s, ref, again, err)
		}
	})
}
