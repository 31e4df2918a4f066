package apitoken_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

// testSecret is a fixed account secret; tests check it never leaks.
var testSecret = []byte("test-account-secret-0123456789ab")

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

var b64 = base64.RawURLEncoding

// forge assembles a token from raw header and payload JSON, HMAC-SHA256
// signed with key whatever the header says: the attacker's tool.
func forge(header, payload string, key []byte) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return input + "." + b64.EncodeToString(mac.Sum(nil))
}

// segments splits a token into its three decoded parts.
func segments(t *testing.T, tok string) (header, payload, sig []byte) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", tok, len(parts))
	}
	dec := func(s string) []byte {
		b, err := b64.DecodeString(s)
		if err != nil {
			t.Fatalf("segment %q: %v", s, err)
		}
		return b
	}
	return dec(parts[0]), dec(parts[1]), dec(parts[2])
}

// checkInvalid asserts err is an Invalid, one-line error without the secret.
func checkInvalid(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if k := fault.KindOf(err); k != fault.Invalid {
		t.Fatalf("kind %v, want invalid: %v", k, err)
	}
	msg := err.Error()
	if len(msg) > 400 || strings.ContainsAny(msg, "\n\r\x1b") {
		t.Fatalf("error is not one short line: %q", msg)
	}
	if strings.Contains(msg, string(testSecret)) || strings.Contains(msg, base64.StdEncoding.EncodeToString(testSecret)) {
		t.Fatalf("error shows the secret: %q", msg)
	}
}
