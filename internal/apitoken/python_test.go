package apitoken_test

import (
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/apitoken"
	"github.com/approov-cli/approov/internal/testtool"
)

// pythonHMAC signs with Python's hmac and hashlib, independently of Go: the
// secret (hex) and the signing input come on stdin, never in argv. It prints
// the base64url signature and the standard base64 SHA-256 of the bound data.
const pythonHMAC = `
import base64, hashlib, hmac, sys
secret, signing_input, data = sys.stdin.read().split("\n")[:3]
mac = hmac.new(bytes.fromhex(secret), signing_input.encode(), hashlib.sha256).digest()
print(base64.urlsafe_b64encode(mac).decode().rstrip("="))
print(base64.b64encode(hashlib.sha256(data.encode()).digest()).decode())
`

func TestSignatureMatchesPythonHMAC(t *testing.T) {
	python := testtool.Need(t, "python3")
	for _, kid := range []string{"", "0001"} {
		data := "Bearer abc"
		tok, err := apitoken.Example(testSecret, kid, apitoken.ExampleOptions{Now: t0, Bind: []byte(data)})
		if err != nil {
			t.Fatal(err)
		}
		dot := strings.LastIndex(tok, ".")
		cmd := exec.Command(python, "-c", pythonHMAC)
		cmd.Stdin = strings.NewReader(hex.EncodeToString(testSecret) + "\n" + tok[:dot] + "\n" + data + "\n")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("python3: %v", err)
		}
		lines := strings.Fields(string(out))
		if len(lines) != 2 || lines[0] != tok[dot+1:] {
			t.Fatalf("python's HMAC-SHA256 %q differs from the token's signature %q", out, tok[dot+1:])
		}
		if lines[1] != apitoken.PayloadHash([]byte(data)) {
			t.Fatalf("python's base64 SHA-256 %s differs from pay %s", lines[1], apitoken.PayloadHash([]byte(data)))
		}
	}
}
