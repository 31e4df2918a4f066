package app

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/session"
)

// TestProvenKey: a recorded service key is used only when it is the key the
// account's fingerprint names; anything else is ignored (the client then
// fetches the key and checks it against the fingerprint).
func TestProvenKey(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	fp := auth.FingerprintOf(pub)
	enc := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name, recorded string
		want           ed25519.PublicKey
	}{
		{"the fingerprint's key", enc(pub), pub},
		{"none recorded", "", nil},
		{"another key", enc(other), nil},
		{"not base64", "%%%", nil},
		{"too short", enc(pub[:31]), nil},
		{"too long", enc(append(append([]byte{}, pub...), 0)), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := provenKey(session.Account{ServicePublicKey: tc.recorded}, fp)
			if !got.Equal(tc.want) && !(got == nil && tc.want == nil) {
				t.Fatalf("provenKey = %x, want %x", got, tc.want)
			}
		})
	}
}
