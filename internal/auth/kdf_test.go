package auth

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"testing"

	"golang.org/x/crypto/argon2"
)

var cheap = Params{Time: 1, MemoryKiB: 64, Threads: 1}

// TestProductionParams pins the costs every real enrolment uses.
func TestProductionParams(t *testing.T) {
	want := Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}
	if ProductionParams != want {
		t.Fatalf("ProductionParams = %+v, want %+v (t=3, m=64 MiB, p=4)", ProductionParams, want)
	}
	if err := ProductionParams.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		p  Params
		ok bool
	}{
		{cheap, true},
		{ProductionParams, true},
		{Params{0, 64, 1}, false},
		{Params{17, 64, 1}, false},
		{Params{1, 7, 1}, false},
		{Params{1, 31, 4}, false},
		{Params{1, 1<<20 + 1, 1}, false},
		{Params{1, 64, 0}, false},
		{Params{1, 1024, 65}, false},
	}
	for _, tt := range tests {
		if err := tt.p.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", tt.p, err, tt.ok)
		}
	}
	if !ProductionParams.AtLeast(cheap) || cheap.AtLeast(ProductionParams) {
		t.Error("AtLeast ordering wrong")
	}
}

// TestDeriveKey checks the construction seed = Argon2id(...), key =
// Ed25519(seed) against x/crypto directly, and a golden value so an
// accidental change of derivation (which would lock every user out) fails.
func TestDeriveKey(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key, err := DeriveKey([]byte("hunter2"), salt, cheap)
	if err != nil {
		t.Fatal(err)
	}
	want := ed25519.NewKeyFromSeed(argon2.IDKey([]byte("hunter2"), salt, 1, 64, 1, 32))
	if !key.Equal(want) {
		t.Fatal("DeriveKey differs from Argon2id → Ed25519")
	}
	got := hex.EncodeToString(key.Public().(ed25519.PublicKey))
	if goldenPub != got {
		t.Fatalf("derived public key %s, want golden %s", got, goldenPub)
	}
	other, _ := DeriveKey([]byte("hunter3"), salt, cheap)
	salted, _ := DeriveKey([]byte("hunter2"), []byte("fedcba9876543210"), cheap)
	if other.Equal(key) || salted.Equal(key) {
		t.Fatal("password and salt must both change the key")
	}
	if _, err := DeriveKey([]byte("x"), []byte("short"), cheap); err == nil {
		t.Fatal("short salt accepted")
	}
	if _, err := DeriveKey([]byte("x"), salt, Params{}); err == nil {
		t.Fatal("zero params accepted")
	}
}

// goldenPub was computed once with x/crypto/argon2 and crypto/ed25519.
const goldenPub = "67d1978e07d239578d6c1b9128d538cb125f47343cb1676349195430b4b5a541"

func TestNewSaltAndWipe(t *testing.T) {
	a, b := NewSalt(), NewSalt()
	if len(a) != SaltSize || bytes.Equal(a, b) {
		t.Fatal("salts must be 16 random bytes")
	}
	Wipe(a)
	if !bytes.Equal(a, make([]byte, SaltSize)) {
		t.Fatal("Wipe left bytes")
	}
}

func BenchmarkDeriveKeyProduction(b *testing.B) {
	salt := NewSalt()
	for b.Loop() {
		DeriveKey([]byte("correct horse battery staple"), salt, ProductionParams)
	}
}
