package sdkconfig_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/testtool"
)

const docPath = "../../docs/sdk-config.md"

// docBlock returns the fenced block that follows <!-- example:name -->.
func docBlock(t *testing.T, name string) string {
	t.Helper()
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "<!-- example:"+name+" -->\n")
	if !ok {
		t.Fatalf("%s has no example %s", docPath, name)
	}
	lines := strings.SplitAfter(after, "\n")
	var out strings.Builder
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "```") {
			return out.String()
		}
		out.WriteString(l)
	}
	t.Fatalf("example %s is not closed", name)
	return ""
}

// The documented example is real: it verifies with the documented key and
// decodes to the documented header and payload.
func TestDocExampleVerifies(t *testing.T) {
	committed, _ := os.ReadFile("testdata/test-config-key.pub.pem")
	if docBlock(t, "public-key") != string(committed) {
		t.Fatal("the documented public key is not the test key")
	}
	pub, err := sdkconfig.ParsePublicKey(committed)
	if err != nil {
		t.Fatal(err)
	}
	jws := strings.TrimSpace(docBlock(t, "config"))
	c, err := sdkconfig.Verify(jws, pub, sdkconfig.VerifyOptions{Account: "acme", MinVersion: 7})
	if err != nil || c.Version != 7 {
		t.Fatalf("documented configuration: %v", err)
	}
	parts := strings.Split(jws, ".")
	for i, name := range []string{"header", "payload"} {
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(docBlock(t, name))); err != nil {
			t.Fatal(err)
		}
		got, _ := b64.DecodeString(parts[i])
		if string(got) != want.String() {
			t.Errorf("documented %s\n%s\nis not the signed one\n%s", name, want.String(), got)
		}
	}
	if p, _ := sdkconfig.KeyPin(pub); !strings.Contains(docBlock(t, "header"), p.String()) {
		t.Errorf("documented kid is not the key's pin %s", p)
	}
}

func TestDocChallengeExample(t *testing.T) {
	pub, _ := sdkconfig.ParsePublicKey([]byte(docBlock(t, "public-key")))
	jws := strings.TrimSpace(docBlock(t, "config"))
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(docBlock(t, "challenge")), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		fields[k] = v
	}
	ch, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f")
	tr, err := sdkconfig.Transcript(ch, jws)
	if err != nil || hex.EncodeToString(tr) != fields["transcript (hex)"] {
		t.Fatalf("documented transcript differs: %x (%v)", tr, err)
	}
	sig, err := b64.DecodeString(fields["signature (base64url)"])
	if err != nil {
		t.Fatal(err)
	}
	if err := sdkconfig.VerifyChallenge(pub, ch, jws, sig); err != nil {
		t.Fatalf("documented challenge signature: %v", err)
	}
}

// The documented openssl recipe (with its Python DER conversion) works.
func TestDocOpenSSLRecipe(t *testing.T) {
	testtool.Need(t, "openssl")
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is required in CI")
		}
		t.Skip("python3 not found")
	}
	doc, _ := os.ReadFile(docPath)
	_, script, _ := strings.Cut(string(doc), "```sh\n")
	script, _, _ = strings.Cut(script, "```")
	dir := t.TempDir()
	files := map[string]string{"config.jwt": strings.TrimSpace(docBlock(t, "config")), "public-key.pem": docBlock(t, "public-key"), "check.sh": script}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", "check.sh")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verified OK") {
		t.Fatalf("the documented recipe fails: %v\n%s", err, out)
	}
}
