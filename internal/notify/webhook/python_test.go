package webhook

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/testtool"
)

// verifyPy is the Python receiver of docs/notifications.md, nearly word for
// word: argv is secret, header, body; it prints "ok" or the reason.
const verifyPy = `
import hmac, hashlib, sys, time
secret, header, body = sys.argv[1].encode(), sys.argv[2], sys.argv[3].encode()
fields = [p.split("=", 1) for p in header.split(",")]
t = next(v for k, v in fields if k == "t")
sigs = [v for k, v in fields if k == "v1"]
expected = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
if abs(time.time() - int(t)) > 300:
    print("stale")
elif any(hmac.compare_digest(expected, s) for s in sigs):
    print("ok")
else:
    print("mismatch")
`

// signPy signs like a sender would, independently of Sign: argv is secret,
// t, body.
const signPy = `
import hmac, hashlib, sys
secret, t, body = sys.argv[1].encode(), sys.argv[2], sys.argv[3].encode()
print("t=%s,v1=%s" % (t, hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()))
`

func TestPythonHMACCrossCheck(t *testing.T) {
	py := testtool.Need(t, "python3")
	body := `{"event":"failing","domain":"api.example.com","text":"é ✓"}`
	now := time.Now()
	tests := []struct {
		name, secret, header, want string
	}{
		{"Go signs, Python verifies", "s3cret", Sign([]byte("s3cret"), []byte(body), now), "ok"},
		{"wrong secret", "other", Sign([]byte("s3cret"), []byte(body), now), "mismatch"},
		{"stale", "s3cret", Sign([]byte("s3cret"), []byte(body), now.Add(-time.Hour)), "stale"},
	}
	for _, tt := range tests {
		if got := runPy(t, py, verifyPy, tt.secret, tt.header, body); got != tt.want {
			t.Errorf("%s: python says %q, want %q", tt.name, got, tt.want)
		}
	}
	header := runPy(t, py, signPy, "s3cret", strconv.FormatInt(now.Unix(), 10), body)
	if err := Verify([]byte("s3cret"), header, []byte(body), now, time.Minute); err != nil {
		t.Errorf("Python signs, Go verifies: %v (header %q)", err, header)
	}
	if want := Sign([]byte("s3cret"), []byte(body), now); header != want {
		t.Errorf("python header %q, Go header %q", header, want)
	}
}

func runPy(t *testing.T, py, script string, args ...string) string {
	t.Helper()
	out, err := exec.Command(py, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}
