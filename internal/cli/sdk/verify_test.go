package sdk

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// signed writes a configuration of version v signed by a fresh key, and
// that key's public half, into dir.
func signed(t *testing.T, dir string, v uint64) (config, pub string) {
	t.Helper()
	key, err := sdkconfig.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := pins.Parse("YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := sdkconfig.Sign(key, sdkconfig.Config{Account: "acme", Version: v, IssuedAt: time.Now(),
		Domains: []sdkconfig.Domain{{Name: "api.example.com", Token: true, Pinning: true, Pins: []pins.Pin{p}}}})
	if err != nil {
		t.Fatal(err)
	}
	pem, err := sdkconfig.MarshalPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	config, pub = filepath.Join(dir, "config.jwt"), filepath.Join(dir, "key.pem")
	write(t, config, tok+"\n")
	write(t, pub, string(pem))
	return config, pub
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func verify(t *testing.T, file, pub string, min uint64) (string, error) {
	t.Helper()
	f, s := clitest.Factory(clitest.Config{})
	cmd := NewCmdVerify(f, nil)
	args := []string{file, "--public-key", pub}
	if min > 0 {
		args = append(args, "--min-version", strconv.FormatUint(min, 10))
	}
	cmd.SetArgs(args)
	cmd.SetOut(s.Out)
	cmd.SetErr(s.ErrOut)
	err := cmd.ExecuteContext(context.Background())
	return s.Out.String(), err
}

func TestVerifyAcceptsAndPrints(t *testing.T) {
	config, pub := signed(t, t.TempDir(), 3)
	out, err := verify(t, config, pub, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"account acme, version 3", "api.example.com token=true pinning=true pins=1", "sha256/YLh1dUR9"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	dir := t.TempDir()
	config, pub := signed(t, dir, 3)
	_, otherPub := signed(t, t.TempDir(), 3)
	tok, _ := os.ReadFile(config)
	parts := strings.Split(strings.TrimSpace(string(tok)), ".")
	// Flip one character of the payload: the signature no longer covers it.
	payload := []byte(parts[1])
	payload[10] ^= 1
	tampered := filepath.Join(dir, "tampered.jwt")
	write(t, tampered, parts[0]+"."+string(payload)+"."+parts[2])
	for _, tc := range []struct {
		name, file, pub string
		min             uint64
		want            string
	}{
		{"tampered payload", tampered, pub, 0, ""},
		{"wrong key", config, otherPub, 0, ""},
		{"older than --min-version", config, pub, 4, "rollback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verify(t, tc.file, tc.pub, tc.min)
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("err = %v (kind %s), want invalid (exit 6)", err, fault.KindOf(err))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
