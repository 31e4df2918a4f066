package sdk

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/sdkclient"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// publicEndpoint serves the configuration in file, signing each request's
// challenge with key, over TLS; it returns its URL and a CA file for it.
func publicEndpoint(t *testing.T, config string, key func(ch []byte, jwt string) ([]byte, error)) (string, string) {
	tok, _ := os.ReadFile(config)
	jwt := strings.TrimSpace(string(tok))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/accounts/acme/sdk-config" {
			http.NotFound(w, r)
			return
		}
		ch, _ := base64.RawURLEncoding.DecodeString(r.Header.Get(sdkclient.HeaderChallenge))
		sig, err := key(ch, jwt)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set(sdkclient.HeaderChallengeSig, base64.RawURLEncoding.EncodeToString(sig))
		w.Write([]byte(jwt))
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	write(t, ca, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	return srv.URL, ca
}

func fetch(t *testing.T, args ...string) (string, error) {
	t.Helper()
	f, s := clitest.Factory(clitest.Config{})
	cmd := NewCmdFetch(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(s.Out)
	cmd.SetErr(s.ErrOut)
	err := cmd.ExecuteContext(context.Background())
	return s.Out.String(), err
}

func TestFetch(t *testing.T) {
	dir := t.TempDir()
	key, _ := sdkconfig.GenerateKey()
	tok, _ := sdkconfig.Sign(key, sdkconfig.Config{Account: "acme", Version: 4})
	config, pub := filepath.Join(dir, "config.jwt"), filepath.Join(dir, "key.pem")
	write(t, config, tok)
	pemKey, _ := sdkconfig.MarshalPublicKey(&key.PublicKey)
	write(t, pub, string(pemKey))
	_, otherPub := signed(t, t.TempDir(), 1)
	good := func(ch []byte, jwt string) ([]byte, error) { return sdkconfig.SignChallenge(key, ch, jwt) }
	stale := func(_ []byte, jwt string) ([]byte, error) {
		return sdkconfig.SignChallenge(key, []byte("an old challenge, replayed"), jwt)
	}
	url, ca := publicEndpoint(t, config, good)
	staleURL, staleCA := publicEndpoint(t, config, stale)
	endpoint := url + "/v1/accounts/acme/sdk-config"
	out, err := fetch(t, endpoint, "--public-key", pub, "--ca-file", ca)
	if err != nil || !strings.Contains(out, "account acme, version 4") {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	out, err = fetch(t, url, "--account", "acme", "--public-key", pub, "--ca-file", ca, "--json=version")
	if err != nil || !strings.Contains(out, `"version": 4`) {
		t.Fatalf("fetch --json: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "bad.pem")
	write(t, bad, "not a key")
	for _, tc := range []struct {
		name string
		args []string
		kind fault.Kind
	}{
		{"system roots refuse the test CA", []string{endpoint, "--public-key", pub}, fault.Network},
		{"another key", []string{endpoint, "--public-key", otherPub, "--ca-file", ca}, fault.Network},
		{"replayed challenge signature", []string{staleURL + "/v1/accounts/acme/sdk-config", "--public-key", pub, "--ca-file", staleCA}, fault.Network},
		{"unknown account", []string{url, "--account", "other", "--public-key", pub, "--ca-file", ca}, fault.Network},
		{"invalid public key", []string{endpoint, "--public-key", bad, "--ca-file", ca}, fault.Invalid},
		{"not https", []string{"http://127.0.0.1:1/v1/accounts/acme/sdk-config", "--public-key", pub}, fault.Usage},
		{"account mismatch", []string{endpoint, "--account", "other", "--public-key", pub}, fault.Usage},
		{"no account", []string{url, "--public-key", pub}, fault.Usage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := fetch(t, tc.args...); fault.KindOf(err) != tc.kind {
				t.Fatalf("err = %v (kind %s), want %s", err, fault.KindOf(err), tc.kind)
			}
		})
	}
}
