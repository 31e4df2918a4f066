package auth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"testing"
)

// The signing implementation must be indistinguishable from crypto/ed25519:
// the same key from a seed and the same signature bytes for any message,
// and crypto/ed25519 accepts every signature.
func TestSigningMatchesStandardLibrary(t *testing.T) {
	for _, n := range []int{0, 1, 31, 32, 64, 127, 128, 1000, 1 << 16} {
		seed, msg := make([]byte, ed25519.SeedSize), make([]byte, n)
		for range 20 {
			rand.Read(seed)
			rand.Read(msg)
			checkSameAsStd(t, seed, msg)
		}
	}
}

func FuzzSigningMatchesStandardLibrary(f *testing.F) {
	f.Add(make([]byte, ed25519.SeedSize), []byte(""))
	f.Add(bytes.Repeat([]byte{0xff}, ed25519.SeedSize), []byte("approov"))
	f.Fuzz(func(t *testing.T, seed, msg []byte) {
		if len(seed) != ed25519.SeedSize {
			return
		}
		checkSameAsStd(t, seed, msg)
	})
}

func checkSameAsStd(t *testing.T, seed, msg []byte) {
	t.Helper()
	ours, std := KeyFromSeed(seed), ed25519.NewKeyFromSeed(seed)
	if !bytes.Equal(ours, std) {
		t.Fatalf("key of seed %x: %x, crypto/ed25519 says %x", seed, ours, std)
	}
	sig := sign(ours, msg)
	if want := ed25519.Sign(std, msg); !bytes.Equal(sig, want) {
		t.Fatalf("signature of %d bytes with seed %x differs from crypto/ed25519's", len(msg), seed)
	}
	if !ed25519.Verify(std.Public().(ed25519.PublicKey), msg, sig) {
		t.Fatal("crypto/ed25519 refuses the signature")
	}
}

func TestKeyFromSeedPanicsOnBadLength(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a 31-byte seed gave a key")
		}
	}()
	KeyFromSeed(make([]byte, 31))
}

// Small-order and non-canonical point encodings and edge scalars (from
// "Taming the many EdDSAs", Chalkias et al. 2020): combined into keys and
// signatures, where the two implementations may differ.
var edgePoints = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4, non-canonical sign
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p+1
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"0100000000000000000000000000000000000000000000000000000000000080",
	"5866666666666666666666666666666666666666666666666666666666666666", // the base point
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", // RFC 8032 test key 1
}

var edgeScalars = []string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", // L-1
	"edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", // L: non-canonical
}

func TestVerifyAcceptsNothingTheStandardLibraryRefuses(t *testing.T) {
	stricter := 0
	for _, a := range edgePoints {
		pub, _ := hex.DecodeString(a)
		for _, r := range edgePoints {
			for _, s := range edgeScalars {
				sig, _ := hex.DecodeString(r + s)
				for _, msg := range []string{"", "x", "approov"} {
					ours, std := verifyBoth(t, pub, []byte(msg), sig), ed25519.Verify(pub, []byte(msg), sig)
					if ours && !std {
						t.Fatalf("key %s, signature %s%s, message %q: accepted, crypto/ed25519 refuses", a, r, s, msg)
					}
					if std && !ours {
						stricter++
					}
				}
			}
		}
	}
	// The identity key verifies anything with R = identity, s = 0 under
	// crypto/ed25519; such a key must not be accepted here.
	if stricter == 0 {
		t.Fatal("no small-order case refused: the stricter check is gone")
	}
}

func TestVerifyAgreesOnRealSignatures(t *testing.T) {
	seed, msg := make([]byte, ed25519.SeedSize), make([]byte, 200)
	for i := range 200 {
		rand.Read(seed)
		rand.Read(msg)
		key := KeyFromSeed(seed)
		pub := key.Public().(ed25519.PublicKey)
		sig := sign(key, msg)
		if !verifyBoth(t, pub, msg, sig) {
			t.Fatal("a valid signature is refused")
		}
		bad := bytes.Clone(sig)
		bad[i%len(bad)] ^= 1 << (i % 8)
		if verifyBoth(t, pub, msg, bad) || ed25519.Verify(pub, msg, bad) {
			t.Fatalf("a signature with bit %d flipped is accepted", i%(8*len(bad)))
		}
	}
	if verifyBoth(t, make([]byte, 31), msg, make([]byte, 64)) || verifyBoth(t, nil, nil, nil) {
		t.Fatal("a key of the wrong length is accepted")
	}
	var none *VerifyKey
	if none.verify(nil, nil) {
		t.Fatal("a nil VerifyKey verifies")
	}
}

// verifyBoth is verify, which must give the same verdict under a VerifyKey.
func verifyBoth(t *testing.T, pub, msg, sig []byte) bool {
	t.Helper()
	plain, prepared := verify(pub, msg, sig), NewVerifyKey(pub).verify(msg, sig)
	if plain != prepared {
		t.Fatalf("key %x, signature %x: verify says %v, under a VerifyKey %v", pub, sig, plain, prepared)
	}
	return plain
}

func FuzzVerifyNoLooserThanStandardLibrary(f *testing.F) {
	pt, _ := hex.DecodeString(edgePoints[0])
	f.Add(pt, []byte(""), append(bytes.Clone(pt), make([]byte, 32)...))
	key := KeyFromSeed(make([]byte, ed25519.SeedSize))
	f.Add([]byte(key.Public().(ed25519.PublicKey)), []byte("m"), sign(key, []byte("m")))
	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		if verifyBoth(t, pub, msg, sig) && !(len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, msg, sig)) {
			t.Fatalf("accepted what crypto/ed25519 refuses: key %x signature %x", pub, sig)
		}
	})
}
