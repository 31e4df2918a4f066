package identity_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/approov-cli/approov/internal/app"
)

// The test binary doubles as the approov binary for the pty tests.
func TestMain(m *testing.M) {
	if os.Getenv("APPROOV_TEST_AS_MAIN") == "1" {
		os.Exit(app.Main())
	}
	os.Exit(m.Run())
}

// term is approov running on a pseudo-terminal, as a user sees it.
type term struct {
	t    *testing.T
	cmd  *exec.Cmd
	pty  *os.File
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
}

func startPTY(t *testing.T, args ...string) *term {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "APPROOV_TEST_AS_MAIN=1")
	f, err := pty.Start(cmd)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	tm := &term{t: t, cmd: cmd, pty: f, done: make(chan struct{})}
	go func() {
		b := make([]byte, 1024)
		for {
			n, err := f.Read(b)
			tm.mu.Lock()
			tm.buf.Write(b[:n])
			tm.mu.Unlock()
			if err != nil {
				close(tm.done)
				return
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); f.Close() })
	return tm
}

func (tm *term) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.buf.String()
}

// expect waits until the screen shows want after position from, and returns
// the position after it.
func (tm *term) expect(from int, want string) int {
	tm.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		s := tm.screen()
		if i := strings.Index(s[from:], want); i >= 0 {
			return from + i + len(want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.t.Fatalf("screen never showed %q; it shows:\n%s", want, tm.screen())
	return 0
}

func (tm *term) typeLine(s string) { tm.pty.Write([]byte(s + "\r")) }

// wait returns the exit code.
func (tm *term) wait() int {
	tm.t.Helper()
	err := tm.cmd.Wait()
	<-tm.done
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		tm.t.Fatal(err)
	}
	return 0
}

// killStoredSessions makes every stored session id unknown to the service,
// as if the sessions had been ended from another machine.
func killStoredSessions(t *testing.T) {
	t.Helper()
	path := filepath.Join(os.Getenv("APPROOV_HOME"), "state.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st["sessions"].([]any) {
		s.(map[string]any)["id"] = "ses_ended_elsewhere"
	}
	b, _ = json.Marshal(st)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestInteractiveInitAndPasswordPrompt(t *testing.T) {
	hermetic(t)
	const adminPW, devPW = "admin password 1", "dev password 22"

	tm := startPTY(t, "account", "create", "--local", "--name", "demo", "--user", "owner@example.com", "--init")
	at := tm.expect(0, "New password for the admin role on demo: ")
	tm.typeLine("short")
	at = tm.expect(at, "too short")
	at = tm.expect(at, "New password for the admin role on demo: ")
	tm.typeLine(adminPW)
	at = tm.expect(at, "Repeat new password for the admin role on demo: ")
	tm.typeLine(adminPW)
	at = tm.expect(at, "New password for the dev role on demo: ")
	tm.typeLine(devPW)
	at = tm.expect(at, "Repeat new password for the dev role on demo: ")
	tm.typeLine(devPW)
	at = tm.expect(at, "Recovery PIN: ")
	if code := tm.wait(); code != 0 {
		t.Fatalf("init exit %d:\n%s", code, tm.screen())
	}
	pin := regexp.MustCompile(`\d{4}-\d{4}-\d{4}`).FindString(tm.screen()[at:])
	if s := tm.screen(); strings.Contains(s, adminPW) || strings.Contains(s, devPW) {
		t.Fatalf("a password was echoed:\n%s", s)
	}

	// Within the hour: no prompt at all.
	tm = startPTY(t, "users", "list")
	tm.expect(0, "owner@example.com")
	if code := tm.wait(); code != 0 || strings.Contains(tm.screen(), "Password") {
		t.Fatalf("users list in a live session: exit %d, screen:\n%s", code, tm.screen())
	}

	// After logout, the first command asks once, the next does not.
	run(t, "", "logout")
	tm = startPTY(t, "users", "list")
	tm.expect(0, "Password for admin on demo: ")
	tm.typeLine(adminPW)
	tm.expect(0, "owner@example.com")
	if code := tm.wait(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, tm.screen())
	}
	tm = startPTY(t, "users", "list")
	tm.expect(0, "owner@example.com")
	if code := tm.wait(); code != 0 || strings.Contains(tm.screen(), "Password") {
		t.Fatalf("asked twice within the hour:\n%s", tm.screen())
	}

	// A stored session the service no longer knows (ended elsewhere): the
	// command logs in again, asking once, and then runs.
	killStoredSessions(t)
	tm = startPTY(t, "users", "list")
	tm.expect(0, "Password for admin on demo: ")
	tm.typeLine(adminPW)
	tm.expect(0, "owner@example.com")
	if code := tm.wait(); code != 0 {
		t.Fatalf("re-login after a dead session: exit %d:\n%s", code, tm.screen())
	}

	// Ctrl-C at the prompt cancels (exit 130) and leaves the terminal usable.
	run(t, "", "logout")
	tm = startPTY(t, "whoami")
	tm.expect(0, "Password for admin on demo: ")
	tm.pty.Write([]byte("half\x03"))
	if code := tm.wait(); code != 130 {
		t.Fatalf("Ctrl-C: exit %d, want 130:\n%s", code, tm.screen())
	}

	// Recovery: an admin issues a code; redeeming it needs the PIN.
	run(t, adminPW+"\n", "role", "admin", "--password-stdin")
	code := strings.TrimSpace(run(t, "", "users", "recover", "owner@example.com").out)
	run(t, "", "logout", "--all")
	const newPW = "recovered password"
	tm = startPTY(t, "init", code)
	at = tm.expect(0, "Your current recovery PIN: ")
	tm.typeLine(pin)
	for _, r := range []string{"admin", "dev"} {
		at = tm.expect(at, "New password for the "+r+" role on demo: ")
		tm.typeLine(newPW)
		at = tm.expect(at, "Repeat new password for the "+r+" role on demo: ")
		tm.typeLine(newPW)
	}
	tm.expect(at, "Recovery PIN: ")
	if code := tm.wait(); code != 0 || strings.Contains(tm.screen(), pin) {
		t.Fatalf("recovery: exit %d (the old PIN must not be echoed):\n%s", code, tm.screen())
	}
	run(t, "", "users", "list") // init opened new sessions
	run(t, "", "logout", "--all")
	if r := approov(t, adminPW+"\n", "role", "admin", "--password-stdin"); r.code != 4 {
		t.Errorf("the old password still works after recovery: exit %d", r.code)
	}
	run(t, newPW+"\n", "role", "admin", "--password-stdin")
}
