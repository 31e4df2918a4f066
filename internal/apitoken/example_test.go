package apitoken_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/apitoken"
	"github.com/approov-cli/approov/internal/fault"
)

func TestExampleVerifies(t *testing.T) {
	tests := []struct {
		name string
		kid  string
		opts apitoken.ExampleOptions
		want map[string]any // expected claims (exp checked separately)
	}{
		{"defaults", "", apitoken.ExampleOptions{},
			map[string]any{"ip": "1.2.3.4", "did": "ExampleApproovTokenDID=="}},
		{"kid", "0001", apitoken.ExampleOptions{},
			map[string]any{"ip": "1.2.3.4", "did": "ExampleApproovTokenDID=="}},
		{"bound", "", apitoken.ExampleOptions{Bind: []byte("Bearer abc")},
			map[string]any{"ip": "1.2.3.4", "did": "ExampleApproovTokenDID==", "pay": "w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY="}},
		{"bound to empty data", "", apitoken.ExampleOptions{Bind: []byte{}},
			map[string]any{"ip": "1.2.3.4", "did": "ExampleApproovTokenDID==", "pay": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}},
		{"all options", "k", apitoken.ExampleOptions{TTL: 5 * time.Minute, DeviceID: "dev-1", IP: "2001:db8::1", Type: apitoken.Valid},
			map[string]any{"ip": "2001:db8::1", "did": "dev-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = t0
			tok, err := apitoken.Example(testSecret, tt.kid, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := apitoken.Check(tok, testSecret, apitoken.CheckOptions{Bind: tt.opts.Bind, KeyID: tt.kid, Now: t0})
			if err != nil || !rep.Valid {
				t.Fatalf("Check: %v (%+v)", err, rep)
			}
			header, payload, _ := segments(t, tok)
			checkHeaderJSON(t, header, tt.kid)
			checkPayloadJSON(t, payload, tt.want, t0.Add(ttlOr(tt.opts.TTL)))
		})
	}
}

func ttlOr(ttl time.Duration) time.Duration {
	if ttl == 0 {
		return apitoken.DefaultTTL
	}
	return ttl
}

func checkHeaderJSON(t *testing.T, header []byte, kid string) {
	t.Helper()
	want := map[string]any{"alg": "HS256", "typ": "JWT"}
	if kid != "" {
		want["kid"] = kid
	}
	var got map[string]any
	if err := json.Unmarshal(header, &got); err != nil || !equalJSON(got, want) {
		t.Fatalf("header %s, want %v (%v)", header, want, err)
	}
}

func checkPayloadJSON(t *testing.T, payload []byte, want map[string]any, exp time.Time) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(payload, &got); err != nil {
		t.Fatal(err)
	}
	if got["exp"] != float64(exp.Unix()) {
		t.Fatalf("exp %v, want %d", got["exp"], exp.Unix())
	}
	delete(got, "exp")
	if !equalJSON(got, want) {
		t.Fatalf("payload %s, want %v", payload, want)
	}
	if !strings.HasPrefix(string(payload), `{"exp":`) {
		t.Fatalf("payload %s does not start with exp, as the service writes it", payload)
	}
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// An invalid token differs from a valid one in its signature alone, and is refused.
func TestExampleInvalidHasTheSameShape(t *testing.T) {
	for _, kid := range []string{"", "0001"} {
		opts := apitoken.ExampleOptions{Now: t0, Bind: []byte("x")}
		valid, err := apitoken.Example(testSecret, kid, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.Type = apitoken.Invalid
		seen := map[string]bool{}
		for range 20 {
			bad, err := apitoken.Example(testSecret, kid, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) != len(valid) || bad[:strings.LastIndex(bad, ".")] != valid[:strings.LastIndex(valid, ".")] {
				t.Fatalf("invalid token\n%s\ndiffers from the valid one beyond its signature\n%s", bad, valid)
			}
			seen[bad] = true
			_, err = apitoken.Check(bad, testSecret, apitoken.CheckOptions{Now: t0, Bind: []byte("x")})
			checkInvalid(t, err)
			if !strings.Contains(err.Error(), "signature does not match") {
				t.Fatalf("invalid token refused for another reason: %v", err)
			}
		}
		if len(seen) < 20 || seen[valid] {
			t.Fatalf("invalid tokens are not signed with fresh random keys: %d distinct", len(seen))
		}
	}
}

func TestExampleRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		kid    string
		opts   apitoken.ExampleOptions
		kind   fault.Kind
		want   string
	}{
		{"short secret", []byte("short"), "", apitoken.ExampleOptions{}, fault.Invalid, "account secret is 5 bytes"},
		{"control kid", testSecret, "a\x1bb", apitoken.ExampleOptions{}, fault.Invalid, "key id"},
		{"long kid", testSecret, strings.Repeat("k", 65), apitoken.ExampleOptions{}, fault.Invalid, "key id"},
		{"type", testSecret, "", apitoken.ExampleOptions{Type: "failover"}, fault.Usage, `type "failover"`},
		{"ip", testSecret, "", apitoken.ExampleOptions{IP: "1.2.3"}, fault.Usage, `ip "1.2.3"`},
		{"did", testSecret, "", apitoken.ExampleOptions{DeviceID: strings.Repeat("d", 257)}, fault.Usage, "device id"},
		{"ttl short", testSecret, "", apitoken.ExampleOptions{TTL: time.Millisecond}, fault.Usage, "lifetime 1ms"},
		{"ttl negative", testSecret, "", apitoken.ExampleOptions{TTL: -time.Minute}, fault.Usage, "lifetime -1m0s"},
		{"ttl long", testSecret, "", apitoken.ExampleOptions{TTL: 400 * 24 * time.Hour}, fault.Usage, "lifetime 9600h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := apitoken.Example(tt.secret, tt.kid, tt.opts)
			if err == nil || tok != "" {
				t.Fatalf("got %q, %v", tok, err)
			}
			if fault.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v (kind %v), want %q (kind %v)", err, fault.KindOf(err), tt.want, tt.kind)
			}
		})
	}
}

// Every example token, whatever its options, passes Check with the same
// options; its invalid twin never does.
func TestEveryExampleVerifies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		opts := apitoken.ExampleOptions{
			Now:      t0.Add(time.Duration(rng.IntN(1e6)) * time.Second),
			TTL:      time.Duration(1+rng.IntN(int(apitoken.MaxTTL/time.Second))) * time.Second,
			DeviceID: strings.Repeat("d", rng.IntN(apitoken.MaxDeviceIDLength+1)),
			IP:       netip.AddrFrom4([4]byte{byte(i), 2, 3, 4}).String(),
		}
		if rng.IntN(2) == 0 {
			opts.Bind = make([]byte, rng.IntN(100))
		}
		kid := strings.Repeat("k", rng.IntN(apitoken.MaxKeyIDLength+1))
		secret := make([]byte, apitoken.MinSecretSize+rng.IntN(100))
		tok, err := apitoken.Example(secret, kid, opts)
		if err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		check := apitoken.CheckOptions{Now: opts.Now, Bind: opts.Bind, KeyID: kid}
		if _, err := apitoken.Check(tok, secret, check); err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		opts.Type = apitoken.Invalid
		bad, _ := apitoken.Example(secret, kid, opts)
		if _, err := apitoken.Check(bad, secret, check); err == nil || len(bad) != len(tok) {
			t.Fatalf("invalid twin of %s passes or differs in length", tok)
		}
	}
}
