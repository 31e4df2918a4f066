package sdkconfig_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/sdkconfig"
)

const minimal = `{"schema":1,"account":"acme","version":7,"iat":1796126400,"domains":[]}`

func withPayload(tok, payload string) string {
	parts := strings.Split(tok, ".")
	return parts[0] + "." + b64.EncodeToString([]byte(payload)) + "." + parts[2]
}

func withSig(tok string, mutate func([]byte) []byte) string {
	i := strings.LastIndex(tok, ".")
	sig, _ := b64.DecodeString(tok[i+1:])
	return tok[:i+1] + b64.EncodeToString(mutate(sig))
}

// hmacForge is the algorithm-confusion attack: HS256 "signed" with the
// public key's bytes, which a careless verifier would use as the secret.
func hmacForge(t *testing.T, payload string, pubDER []byte) string {
	input := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"approov-sdk-config+jwt"}`)) + "." + b64.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, pubDER)
	mac.Write([]byte(input))
	return input + "." + b64.EncodeToString(mac.Sum(nil))
}

func TestVerifyRejects(t *testing.T) {
	key, other := testKey(t), otherKey(t)
	good, err := sdkconfig.Sign(key, sampleConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	byOther, _ := sdkconfig.Sign(other, sampleConfig(t))
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	h := header(t, key)
	tests := []struct {
		name  string
		token string
		opts  sdkconfig.VerifyOptions
		want  string
		is    error
	}{
		{"tampered payload", withPayload(good, strings.Replace(minimal, `"version":7`, `"version":8`, 1)), sdkconfig.VerifyOptions{}, "signature does not verify with the configuration key", nil},
		{"tampered signature", withSig(good, func(s []byte) []byte { s[40] ^= 1; return s }), sdkconfig.VerifyOptions{}, "signature does not verify with the configuration key", nil},
		{"truncated signature", withSig(good, func(s []byte) []byte { return s[:63] }), sdkconfig.VerifyOptions{}, "signature is 63 bytes; an ES256 signature is 64", nil},
		{"DER signature", withSig(good, func(s []byte) []byte { return append([]byte{0x30, 0x44, 0x02, 0x20}, s...) }), sdkconfig.VerifyOptions{}, "signature is 68 bytes", nil},
		{"wrong key, its own kid", byOther, sdkconfig.VerifyOptions{}, "signed by another key (kid", nil},
		{"wrong key, our kid", signRaw(t, h, minimal, other), sdkconfig.VerifyOptions{}, "signature does not verify with the configuration key", nil},
		{"none", b64.EncodeToString([]byte(`{"alg":"none","typ":"approov-sdk-config+jwt"}`)) + "." + b64.EncodeToString([]byte(minimal)) + ".", sdkconfig.VerifyOptions{}, `unsigned configuration (alg "none")`, nil},
		{"HS256 with the public key as secret", hmacForge(t, minimal, pubDER), sdkconfig.VerifyOptions{}, `algorithm "HS256" refused`, nil},
		{"RS256 labelled", signRaw(t, `{"alg":"RS256","typ":"approov-sdk-config+jwt"}`, minimal, key), sdkconfig.VerifyOptions{}, `algorithm "RS256" refused`, nil},
		{"ES384 labelled", signRaw(t, `{"alg":"ES384","typ":"approov-sdk-config+jwt"}`, minimal, key), sdkconfig.VerifyOptions{}, `algorithm "ES384" refused`, nil},
		{"no alg", signRaw(t, `{"typ":"approov-sdk-config+jwt"}`, minimal, key), sdkconfig.VerifyOptions{}, "names no algorithm", nil},
		{"no typ", signRaw(t, `{"alg":"ES256"}`, minimal, key), sdkconfig.VerifyOptions{}, `typ is "", not approov-sdk-config+jwt`, nil},
		{"JWT typ", signRaw(t, `{"alg":"ES256","typ":"JWT"}`, minimal, key), sdkconfig.VerifyOptions{}, `typ is "JWT"`, nil},
		{"crit", signRaw(t, `{"alg":"ES256","typ":"approov-sdk-config+jwt","crit":["x"]}`, minimal, key), sdkconfig.VerifyOptions{}, "critical extensions", nil},
		{"older version", good, sdkconfig.VerifyOptions{MinVersion: 8}, "version 7 is older than version 8: rollback refused", sdkconfig.ErrRollback},
		{"wrong account", good, sdkconfig.VerifyOptions{Account: "globex"}, `for account acme, not "globex"`, sdkconfig.ErrWrongAccount},
		{"schema 2", signRaw(t, h, strings.Replace(minimal, `"schema":1`, `"schema":2`, 1), key), sdkconfig.VerifyOptions{}, "schema 2 is not supported", nil},
		{"no schema", signRaw(t, h, `{"account":"acme","version":7,"iat":1796126400,"domains":[]}`, key), sdkconfig.VerifyOptions{}, "schema 0 is not supported", nil},
		{"no iat", signRaw(t, h, `{"schema":1,"account":"acme","version":7,"domains":[]}`, key), sdkconfig.VerifyOptions{}, "no issue time (iat)", nil},
		{"version a string", signRaw(t, h, `{"schema":1,"account":"acme","version":"7"}`, key), sdkconfig.VerifyOptions{}, "malformed: could not JSON decode claim", nil},
		{"negative version", signRaw(t, h, `{"schema":1,"account":"acme","version":-1}`, key), sdkconfig.VerifyOptions{}, "malformed: could not JSON decode claim", nil},
		{"URL-safe pin", signRaw(t, h, `{"schema":1,"account":"acme","version":1,"iat":1,"domains":[{"domain":"a.b","pinning":true,"pins":["`+strings.NewReplacer("+", "-", "/", "_").Replace(pinA)+`"]}]}`, key), sdkconfig.VerifyOptions{}, "is not the padded standard base64", nil},
		{"short pin", signRaw(t, h, `{"schema":1,"account":"acme","version":1,"iat":1,"domains":[{"domain":"a.b","pinning":true,"pins":["AAAA"]}]}`, key), sdkconfig.VerifyOptions{}, `pin "AAAA" is not the padded`, nil},
		{"two segments", "a.b", sdkconfig.VerifyOptions{}, "malformed: token contains an invalid number of segments", nil},
		{"header not base64url", "e30+" + good[strings.Index(good, "."):], sdkconfig.VerifyOptions{}, "malformed: could not base64 decode header", nil},
		{"payload not JSON", withPayload(good, "{"), sdkconfig.VerifyOptions{}, "malformed: could not JSON decode claim", nil},
		{"oversized", strings.Repeat("a", sdkconfig.MaxConfigSize+1), sdkconfig.VerifyOptions{}, "the configuration is 4194305 bytes; at most 4194304", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := sdkconfig.Verify(tt.token, &key.PublicKey, tt.opts)
			checkInvalid(t, err)
			if !strings.Contains(err.Error(), tt.want) || c.Version != 0 {
				t.Fatalf("error %q, want %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("error %v is not %v", err, tt.is)
			}
			if tt.is == nil && (errors.Is(err, sdkconfig.ErrRollback) || errors.Is(err, sdkconfig.ErrWrongAccount)) {
				t.Fatalf("error %v claims to be a rollback or wrong account", err)
			}
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	key := testKey(t)
	good, _ := sdkconfig.Sign(key, sampleConfig(t))
	noKid := signRaw(t, `{"alg":"ES256","typ":"approov-sdk-config+jwt"}`, minimal, key)
	for name, tt := range map[string]struct {
		token string
		opts  sdkconfig.VerifyOptions
	}{
		"same version as held": {good, sdkconfig.VerifyOptions{Account: "acme", MinVersion: 7}},
		"newer than held":      {good, sdkconfig.VerifyOptions{Account: "acme", MinVersion: 1}},
		"any account":          {good, sdkconfig.VerifyOptions{}},
		"trailing newline":     {good + "\n", sdkconfig.VerifyOptions{}},
		"no kid":               {noKid, sdkconfig.VerifyOptions{}},
		"unknown claims":       {signRaw(t, header(t, key), strings.TrimSuffix(minimal, "}")+`,"later":{"x":1}}`, key), sdkconfig.VerifyOptions{}},
	} {
		if _, err := sdkconfig.Verify(tt.token, &key.PublicKey, tt.opts); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestVerifyRefusesBadKeys(t *testing.T) {
	key := testKey(t)
	good, _ := sdkconfig.Sign(key, sampleConfig(t))
	if _, err := sdkconfig.Verify(good, nil, sdkconfig.VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "not a P-256 key") {
		t.Fatalf("nil key: %v", err)
	}
}
