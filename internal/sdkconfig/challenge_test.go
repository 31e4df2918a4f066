package sdkconfig_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/sdkconfig"
)

var challenge = bytes.Repeat([]byte{0xa5}, 16)

// The transcript, byte by byte as docs/sdk-config.md gives it.
func TestTranscriptBytes(t *testing.T) {
	cfg := "h.p.s"
	got, err := sdkconfig.Transcript(challenge, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(cfg))
	want := append([]byte("approov-sdk-config-challenge-v1"), 0x00, 16)
	want = append(append(want, challenge...), sum[:]...)
	if !bytes.Equal(got, want) || len(got) != 32+1+16+32 {
		t.Fatalf("transcript\n%x\nwant\n%x", got, want)
	}
}

func TestChallengeRoundTrip(t *testing.T) {
	key := testKey(t)
	cfg, err := sdkconfig.Sign(key, sampleConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{sdkconfig.MinChallenge, 32, sdkconfig.MaxChallenge} {
		ch := bytes.Repeat([]byte{byte(n)}, n)
		sig, err := sdkconfig.SignChallenge(key, ch, cfg)
		if err != nil || len(sig) != 64 {
			t.Fatalf("SignChallenge: %d bytes, %v", len(sig), err)
		}
		if err := sdkconfig.VerifyChallenge(&key.PublicKey, ch, cfg, sig); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyChallengeRejects(t *testing.T) {
	key, other := testKey(t), otherKey(t)
	cfg, _ := sdkconfig.Sign(key, sampleConfig(t))
	older := sampleConfig(t)
	older.Version = 6
	oldCfg, _ := sdkconfig.Sign(key, older)
	sig, err := sdkconfig.SignChallenge(key, challenge, cfg)
	if err != nil {
		t.Fatal(err)
	}
	otherSig, _ := sdkconfig.SignChallenge(other, challenge, cfg)
	flipped := bytes.Clone(sig)
	flipped[3] ^= 1
	jwsSig := cfg[strings.LastIndex(cfg, ".")+1:]
	tests := []struct {
		name      string
		challenge []byte
		cfg       string
		sig       []byte
		want      string
	}{
		{"another challenge", bytes.Repeat([]byte{1}, 16), cfg, sig, "does not verify"},
		{"replayed older configuration", challenge, oldCfg, sig, "does not verify"},
		{"configuration with a newline", challenge, cfg + "\n", sig, "does not verify"},
		{"another key", challenge, cfg, otherSig, "does not verify"},
		{"flipped bit", challenge, cfg, flipped, "does not verify"},
		{"the configuration's own signature", challenge, cfg, []byte(jwsSig), "signature is 86 bytes"},
		{"short signature", challenge, cfg, sig[:63], "signature is 63 bytes"},
		{"challenge too short", challenge[:15], cfg, sig, "challenge is 15 bytes; it must be 16 to 64"},
		{"challenge too long", bytes.Repeat([]byte{1}, 65), cfg, sig, "challenge is 65 bytes"},
		{"no configuration", challenge, "", sig, "configuration is 0 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sdkconfig.VerifyChallenge(&key.PublicKey, tt.challenge, tt.cfg, tt.sig)
			checkInvalid(t, err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := sdkconfig.SignChallenge(key, challenge[:8], cfg); err == nil {
		t.Fatal("SignChallenge signed an 8-byte challenge")
	}
	if _, err := sdkconfig.SignChallenge(nil, challenge, cfg); err == nil {
		t.Fatal("SignChallenge took a nil key")
	}
}
