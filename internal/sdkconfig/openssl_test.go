package sdkconfig_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/testtool"
)

type ecdsaSig struct{ R, S *big.Int }

// toDER converts JWS's raw r||s to the ASN.1 form openssl reads.
func toDER(t *testing.T, raw []byte) []byte {
	t.Helper()
	der, err := asn1.Marshal(ecdsaSig{new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func fromDER(t *testing.T, der []byte) []byte {
	t.Helper()
	var s ecdsaSig
	if rest, err := asn1.Unmarshal(der, &s); err != nil || len(rest) > 0 {
		t.Fatalf("openssl signature: %v", err)
	}
	raw := make([]byte, 64)
	s.R.FillBytes(raw[:32])
	s.S.FillBytes(raw[32:])
	return raw
}

// opensslVerify runs openssl dgst -sha256 -verify over data with a DER signature.
func opensslVerify(t *testing.T, openssl string, data, der []byte) error {
	t.Helper()
	dir := t.TempDir()
	in, sig := filepath.Join(dir, "input"), filepath.Join(dir, "sig.der")
	for p, b := range map[string][]byte{in: data, sig: der} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(openssl, "dgst", "-sha256", "-verify", "testdata/test-config-key.pub.pem", "-signature", sig, in).CombinedOutput()
	if err == nil && !strings.Contains(string(out), "Verified OK") {
		t.Fatalf("openssl: %s", out)
	}
	return err
}

func TestOpenSSLVerifiesSignedConfiguration(t *testing.T) {
	openssl := testtool.Need(t, "openssl")
	tok, err := sdkconfig.Sign(testKey(t), sampleConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndex(tok, ".")
	raw, _ := b64.DecodeString(tok[i+1:])
	if err := opensslVerify(t, openssl, []byte(tok[:i]), toDER(t, raw)); err != nil {
		t.Fatalf("openssl refuses the JWS signature: %v", err)
	}
	if err := opensslVerify(t, openssl, []byte(tok[:i-1]), toDER(t, raw)); err == nil {
		t.Fatal("openssl accepts the signature over altered input: the check cannot fail")
	}
}

// A configuration signed by openssl, following docs/sdk-config.md, verifies.
func TestVerifyAcceptsOpenSSLSignature(t *testing.T) {
	openssl := testtool.Need(t, "openssl")
	key := testKey(t)
	input := b64.EncodeToString([]byte(header(t, key))) + "." + b64.EncodeToString([]byte(minimal))
	cmd := exec.Command(openssl, "dgst", "-sha256", "-sign", "testdata/test-config-key.pem")
	cmd.Stdin = strings.NewReader(input)
	der, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl dgst -sign: %v", err)
	}
	c, err := sdkconfig.Verify(input+"."+b64.EncodeToString(fromDER(t, der)), &key.PublicKey, sdkconfig.VerifyOptions{Account: "acme", MinVersion: 7})
	if err != nil || c.Version != 7 {
		t.Fatalf("Verify refuses openssl's signature: %v", err)
	}
}

// openssl verifies a challenge response over the transcript built by hand.
func TestOpenSSLVerifiesChallenge(t *testing.T) {
	openssl := testtool.Need(t, "openssl")
	key := testKey(t)
	cfg, _ := sdkconfig.Sign(key, sampleConfig(t))
	ch := bytes.Repeat([]byte{0x5a}, 32)
	sig, err := sdkconfig.SignChallenge(key, ch, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(cfg))
	transcript := append([]byte("approov-sdk-config-challenge-v1\x00\x20"), ch...)
	transcript = append(transcript, sum[:]...)
	if err := opensslVerify(t, openssl, transcript, toDER(t, sig)); err != nil {
		t.Fatalf("openssl refuses the challenge signature: %v", err)
	}
	transcript[len(transcript)-1] ^= 1
	if err := opensslVerify(t, openssl, transcript, toDER(t, sig)); err == nil {
		t.Fatal("openssl accepts the challenge signature over another transcript")
	}
}
