package sdkconfig_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// Run with: go test -run XXX -fuzz '^FuzzVerify$' -fuzztime 60s ./internal/sdkconfig/
//
// The committed seeds (testdata/fuzz/FuzzVerify) come from fuzzSeeds
// (-update rewrites them); the valid_ ones must verify with the test key.
func FuzzVerify(f *testing.F) {
	key := testKey(f)
	f.Add("")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		var c sdkconfig.Config
		var err error
		alloctest.Bound(t, len(token), 64, 1<<20, func() { c, err = sdkconfig.Verify(token, &key.PublicKey, sdkconfig.VerifyOptions{}) })
		if err != nil {
			checkInvalid(t, err)
			return
		}
		again, err := sdkconfig.Sign(key, c)
		if err != nil {
			t.Fatalf("a verified configuration does not sign again: %v", err)
		}
		if c2, err := sdkconfig.Verify(again, &key.PublicKey, sdkconfig.VerifyOptions{}); err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("re-signed configuration differs: %v\n%+v\n%+v", err, c, c2)
		}
		if _, err := sdkconfig.Verify(token, &key.PublicKey, sdkconfig.VerifyOptions{MinVersion: c.Version + 1}); !errors.Is(err, sdkconfig.ErrRollback) {
			t.Fatalf("MinVersion above the version: %v", err)
		}
	})
}

var update = flag.Bool("update", false, "rewrite the committed fuzz seed corpus")

func fuzzSeeds(t *testing.T) map[string]string {
	key := testKey(t)
	h := header(t, key)
	valid, err := sdkconfig.Sign(key, sampleConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	return map[string]string{
		"valid_sample":         valid,
		"valid_minimal":        signRaw(t, h, minimal, key),
		"valid_unknown_claims": signRaw(t, h, `{"schema":1,"account":"a","version":1,"iat":1,"domains":[],"x":[{"y":null}]}`, key),
		"none":                 b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + b64.EncodeToString([]byte(minimal)) + ".",
		"hs256_confusion":      hmacForge(t, minimal, der),
		"bad_domain":           signRaw(t, h, `{"schema":1,"account":"a","version":1,"iat":1,"domains":[{"domain":"A..b","pinning":true,"pins":["x"]}]}`, key),
	}
}

func TestFuzzSeedsAreCommitted(t *testing.T) {
	key := testKey(t)
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	for name, seed := range fuzzSeeds(t) {
		path := filepath.Join(dir, name)
		if *update {
			writeSeed(t, path, seed)
		}
		data, err := os.ReadFile(path)
		prefix := []byte("go test fuzz v1\nstring(")
		if err != nil || !bytes.HasPrefix(data, prefix) {
			t.Fatalf("seed %s is missing (go test -run TestFuzzSeeds -update): %v", path, err)
		}
		tok, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(string(data), string(prefix)), ")\n"))
		if err != nil {
			t.Fatalf("seed %s: %v", path, err)
		}
		_, err = sdkconfig.Verify(tok, &key.PublicKey, sdkconfig.VerifyOptions{})
		if valid := strings.HasPrefix(name, "valid_"); valid != (err == nil) {
			t.Errorf("seed %s: verify gives %v", name, err)
		}
	}
}

func writeSeed(t *testing.T, path, seed string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("go test fuzz v1\nstring("+strconv.Quote(seed)+")\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
