package apitoken_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/approov-cli/approov/internal/apitoken"
	"github.com/approov-cli/approov/internal/fault"
)

const (
	hs256Header = `{"alg":"HS256","typ":"JWT"}`
	goodPayload = `{"exp":1796130000,"ip":"1.2.3.4","did":"ExampleApproovTokenDID==","pay":"w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY="}` // exp = t0 + 1h
)

// reseal replaces the signature segment of tok with enc(sig) after mutate.
func reseal(t *testing.T, tok string, mutate func([]byte) []byte) string {
	t.Helper()
	_, _, sig := segments(t, tok)
	return tok[:strings.LastIndex(tok, ".")+1] + b64.EncodeToString(mutate(sig))
}

func withPayload(tok, payload string) string {
	parts := strings.Split(tok, ".")
	return parts[0] + "." + b64.EncodeToString([]byte(payload)) + "." + parts[2]
}

func signed(t *testing.T, method jwt.SigningMethod, key any) string {
	t.Helper()
	var mc jwt.MapClaims
	if err := json.Unmarshal([]byte(goodPayload), &mc); err != nil {
		t.Fatal(err)
	}
	s, err := jwt.NewWithClaims(method, mc).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every rejection is of kind Invalid, names its own reason, and no two
// detectable reasons share a message.
func TestCheckRejects(t *testing.T) {
	good := forge(hs256Header, goodPayload, testSecret)
	bind := []byte("Bearer abc")
	tests := []struct {
		name  string
		token string
		opts  apitoken.CheckOptions
		want  string // a distinctive part of the message
	}{
		{"tampered payload", withPayload(good, strings.Replace(goodPayload, "1.2.3.4", "1.2.3.5", 1)), apitoken.CheckOptions{}, "signature does not match"},
		{"tampered signature", reseal(t, good, func(s []byte) []byte { s[7] ^= 1; return s }), apitoken.CheckOptions{}, "signature does not match"},
		{"wrong secret", forge(hs256Header, goodPayload, []byte("another-account-secret-000000000")), apitoken.CheckOptions{}, "signature does not match"},
		{"truncated signature", reseal(t, good, func(s []byte) []byte { return s[:31] }), apitoken.CheckOptions{}, "signature is 31 bytes"},
		{"expired", forge(hs256Header, `{"exp":1796126400,"ip":"1.2.3.4","did":"d"}`, testSecret), apitoken.CheckOptions{Now: t0.Add(time.Minute)}, "expired at 2026-12-01T12:00:00Z, 1m0s ago"},
		{"no exp", forge(hs256Header, `{"ip":"1.2.3.4","did":"d"}`, testSecret), apitoken.CheckOptions{}, "no expiry (exp)"},
		{"exp not a number", forge(hs256Header, `{"exp":"soon"}`, testSecret), apitoken.CheckOptions{}, "claims are not valid: token has invalid claims: invalid type for claim: exp is invalid"},
		{"not yet valid", forge(hs256Header, `{"exp":1796130000,"nbf":1796129000}`, testSecret), apitoken.CheckOptions{}, "not valid yet (nbf)"},
		{"none", b64.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64.EncodeToString([]byte(goodPayload)) + ".", apitoken.CheckOptions{}, `unsigned token (alg "none")`},
		{"None", forge(`{"alg":"None"}`, goodPayload, testSecret), apitoken.CheckOptions{}, `unsigned token (alg "None")`},
		{"none via library", signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType), apitoken.CheckOptions{}, `unsigned token (alg "none")`},
		{"RS256 labelled, HMAC with the secret", forge(`{"alg":"RS256","typ":"JWT"}`, goodPayload, testSecret), apitoken.CheckOptions{}, `algorithm "RS256" refused`},
		{"HS512 with the secret", signed(t, jwt.SigningMethodHS512, testSecret), apitoken.CheckOptions{}, `algorithm "HS512" refused`},
		{"HS384 with the secret", signed(t, jwt.SigningMethodHS384, testSecret), apitoken.CheckOptions{}, `algorithm "HS384" refused`},
		{"ES256 labelled", forge(`{"alg":"ES256"}`, goodPayload, testSecret), apitoken.CheckOptions{}, `algorithm "ES256" refused`},
		{"lower-case hs256", forge(`{"alg":"hs256"}`, goodPayload, testSecret), apitoken.CheckOptions{}, `algorithm "hs256" refused`},
		{"unknown algorithm", forge(`{"alg":"HS257"}`, goodPayload, testSecret), apitoken.CheckOptions{}, `algorithm "HS257" refused`},
		{"no algorithm", forge(`{"typ":"JWT"}`, goodPayload, testSecret), apitoken.CheckOptions{}, "names no algorithm"},
		{"algorithm not a string", forge(`{"alg":256}`, goodPayload, testSecret), apitoken.CheckOptions{}, "names no algorithm"},
		{"crit", forge(`{"alg":"HS256","crit":["b64"],"b64":false}`, goodPayload, testSecret), apitoken.CheckOptions{}, "critical extensions"},
		{"wrong kid", forge(`{"alg":"HS256","kid":"0002"}`, goodPayload, testSecret), apitoken.CheckOptions{KeyID: "0001"}, `key id (kid) is "0002", not the account's "0001"`},
		{"wrong binding", good, apitoken.CheckOptions{Bind: []byte("Bearer abd")}, "bound to other data"},
		{"missing binding", forge(hs256Header, `{"exp":1796130000,"ip":"1.2.3.4","did":"d"}`, testSecret), apitoken.CheckOptions{Bind: bind}, "not bound to any data"},
		{"pay not a string", forge(hs256Header, `{"exp":1796130000,"pay":7}`, testSecret), apitoken.CheckOptions{}, "pay claim is not a string"},
		{"two segments", "abc.def", apitoken.CheckOptions{}, "malformed: token contains an invalid number of segments"},
		{"four segments", good + ".x", apitoken.CheckOptions{}, "malformed: token contains an invalid number of segments"},
		{"empty", "", apitoken.CheckOptions{}, "malformed: token contains an invalid number of segments"},
		{"header not base64url", "e30+" + good[strings.Index(good, "."):], apitoken.CheckOptions{}, "malformed: could not base64 decode header"},
		{"header padded", b64.EncodeToString([]byte(`{"alg":"HS256"}`)) + "==" + good[strings.Index(good, "."):], apitoken.CheckOptions{}, "malformed: could not base64 decode header"},
		{"header not JSON", b64.EncodeToString([]byte(`{alg:HS256}`)) + good[strings.Index(good, "."):], apitoken.CheckOptions{}, "malformed: could not JSON decode header"},
		{"header an array", forge(`["HS256"]`, goodPayload, testSecret), apitoken.CheckOptions{}, "malformed: could not JSON decode header"},
		{"payload not base64url", withPayloadRaw(good, "eyJ*"), apitoken.CheckOptions{}, "malformed: could not base64 decode claim"},
		{"payload not JSON", withPayload(good, `{"exp":`), apitoken.CheckOptions{}, "malformed: could not JSON decode claim"},
		{"signature not base64url", good[:strings.LastIndex(good, ".")] + ".abc$", apitoken.CheckOptions{}, "malformed: could not base64 decode signature"},
		{"oversized", strings.Repeat("a", apitoken.MaxTokenSize+1), apitoken.CheckOptions{}, "the token is 16385 bytes; at most 16384"},
	}
	messages := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.Now.IsZero() {
				tt.opts.Now = t0
			}
			rep, err := apitoken.Check(tt.token, testSecret, tt.opts)
			checkInvalid(t, err)
			if !strings.Contains(err.Error(), tt.want) || rep.Valid || rep.Problem != err.Error() {
				t.Fatalf("error %q, want %q (report %+v)", err, tt.want, rep)
			}
			if other, ok := messages[err.Error()]; ok && !strings.Contains(other, "|"+tt.want) {
				t.Fatalf("%q and %q give the same message %q", tt.name, other, err)
			}
			messages[err.Error()] = tt.name + "|" + tt.want
		})
	}
}

func withPayloadRaw(tok, seg string) string {
	parts := strings.Split(tok, ".")
	return parts[0] + "." + seg + "." + parts[2]
}

func TestCheckAccepts(t *testing.T) {
	good := forge(hs256Header, goodPayload, testSecret)
	tests := []struct {
		name  string
		token string
		opts  apitoken.CheckOptions
	}{
		{"bound, checked", good, apitoken.CheckOptions{Bind: []byte("Bearer abc")}},
		{"bound, not checked", good, apitoken.CheckOptions{}},
		{"surrounding white space", " " + good + "\n", apitoken.CheckOptions{}},
		{"kid when the account has none", forge(`{"alg":"HS256","kid":"x"}`, goodPayload, testSecret), apitoken.CheckOptions{}},
		{"within the leeway", good, apitoken.CheckOptions{Now: t0.Add(time.Hour + 4*time.Second), Leeway: 5 * time.Second}},
		{"one second before expiry", good, apitoken.CheckOptions{Now: t0.Add(time.Hour - time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.Now.IsZero() {
				tt.opts.Now = t0
			}
			if rep, err := apitoken.Check(tt.token, testSecret, tt.opts); err != nil || !rep.Valid || rep.Problem != "" {
				t.Fatalf("%v (%+v)", err, rep)
			}
		})
	}
}

func TestCheckExpiryBoundaries(t *testing.T) {
	good := forge(hs256Header, goodPayload, testSecret)
	for _, tt := range []struct {
		now    time.Time
		leeway time.Duration
	}{{t0.Add(time.Hour), 0}, {t0.Add(time.Hour + 5*time.Second), 5 * time.Second}} {
		_, err := apitoken.Check(good, testSecret, apitoken.CheckOptions{Now: tt.now, Leeway: tt.leeway})
		checkInvalid(t, err)
	}
}

func TestCheckRefusesBadOptions(t *testing.T) {
	good := forge(hs256Header, goodPayload, testSecret)
	if _, err := apitoken.Check(good, []byte("short"), apitoken.CheckOptions{Now: t0}); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "5 bytes") {
		t.Fatalf("short secret: %v", err)
	}
	if _, err := apitoken.Check(good, testSecret, apitoken.CheckOptions{Now: t0, Leeway: -time.Second}); fault.KindOf(err) != fault.Usage {
		t.Fatalf("negative leeway: %v", err)
	}
}
