package identity_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/approov-cli/approov/internal/app"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/session"
)

const adminPassword = "correct horse battery"

// hermetic points every piece of state at temp directories.
func hermetic(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "approov")
	t.Setenv("APPROOV_HOME", home)
	t.Setenv("HOME", t.TempDir())
	for _, v := range []string{"DBUS_SESSION_BUS_ADDRESS", "APPROOV_ROLE", "APPROOV_MANAGEMENT_TOKEN", "APPROOV_STORAGE", "APPROOV_NO_PROMPT"} {
		t.Setenv(v, "")
	}
	t.Setenv("SHELL", "/bin/bash")
	keyring.MockInit()
	return home
}

type result struct {
	code        int
	out, errOut string
}

// approov runs one command in-process with no terminal at all: any attempt
// to prompt would fail with exit 4, so a success proves nothing was asked.
func approov(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	code := app.Run(context.Background(), ios, args)
	return result{code, out.String(), errOut.String()}
}

func must(t *testing.T, r result, args ...string) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("approov %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.out, r.errOut)
	}
	return r
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return must(t, approov(t, stdin, args...), args...)
}

// createLocal is the zero-set-up start: one command, then admin work.
func createLocal(t *testing.T) {
	t.Helper()
	r := run(t, adminPassword+"\n", "account", "create", "--local", "--name", "demo", "--init", "--password-stdin")
	if !strings.Contains(r.errOut, "Recovery PIN: ") || !strings.Contains(r.errOut, "Joined account demo") {
		t.Fatalf("init output lacks the PIN or the summary:\n%s", r.errOut)
	}
}

func TestZeroSetUpThenAdminCommandWithoutPrompt(t *testing.T) {
	home := hermetic(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent") // the mocked keyring answers
	createLocal(t)
	r := run(t, "", "users", "add", "bob@example.com", "--role", "dev", "--expires", "30d")
	if !strings.HasPrefix(r.out, "aoc_") {
		t.Fatalf("users add printed %q, want an onboarding code", r.out)
	}
	var users []struct {
		Email string `json:"email"`
	}
	r = run(t, "", "users", "list", "--json")
	if err := json.Unmarshal([]byte(r.out), &users); err != nil || len(users) != 2 {
		t.Fatalf("users list --json = %s (%v)", r.out, err)
	}
	r = run(t, "", "whoami", "--json")
	var w map[string]any
	json.Unmarshal([]byte(r.out), &w)
	if w["role"] != "admin" || w["secret_storage"] != "keyring" {
		t.Errorf("whoami = %s, want admin with the key in the keyring", r.out)
	}
	if fi, err := os.Stat(filepath.Join(home, "state.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state.json: %v %v", fi, err)
	}

	// Without a session and without a terminal: exit 4 at once, with a hint.
	run(t, "", "logout", "--all")
	start := time.Now()
	r = approov(t, "", "users", "list")
	if r.code != 4 || !strings.Contains(r.errOut, "--password-stdin") || !strings.Contains(r.errOut, "APPROOV_MANAGEMENT_TOKEN") {
		t.Fatalf("exit %d, stderr %q; want 4 with a hint", r.code, r.errOut)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s: it must fail at once", d)
	}

	// Opening a role from a script.
	if r := approov(t, "wrong password\n", "role", "admin", "--password-stdin"); r.code != 4 {
		t.Fatalf("wrong password: exit %d, stderr %q; want 4", r.code, r.errOut)
	}
	t.Setenv("APPROOV_STORAGE", "file")
	r = run(t, adminPassword+"\n", "role", "dev", "--password-stdin")
	if r.out != "export APPROOV_ROLE=dev:demo\n" {
		t.Errorf("role dev printed %q", r.out)
	}
	t.Setenv("APPROOV_ROLE", "dev:demo")
	if r := run(t, "", "whoami", "--json=secret_storage"); !strings.Contains(r.out, `"file:`+home) {
		t.Errorf("with APPROOV_STORAGE=file: %s", r.out)
	}
	if r := approov(t, "", "users", "list"); r.code != 5 {
		t.Errorf("users list as dev: exit %d, want 5", r.code)
	}
	if r = run(t, "", "role", "dev", "--shell", "fish"); r.out != "set -gx APPROOV_ROLE dev:demo\n" {
		t.Errorf("fish line %q", r.out)
	}
}

func TestNoAccountSaysInit(t *testing.T) {
	hermetic(t)
	r := approov(t, "", "users", "list")
	if r.code != 4 || !strings.Contains(r.errOut, "approov init -") || !strings.Contains(r.errOut, "account create --local --init") {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
}

func TestAutomationTokenNeverPrompts(t *testing.T) {
	hermetic(t)
	createLocal(t)
	code := strings.TrimSpace(run(t, "", "users", "add", "ci@example.com", "--role", "automation").out)

	// The person setting up CI redeems the code on another machine.
	t.Setenv("APPROOV_HOME", filepath.Join(t.TempDir(), "setup"))
	tokenFile := filepath.Join(t.TempDir(), "ci.token")
	if r := approov(t, "", "init", code); r.code != 2 || !strings.Contains(r.errOut, "--automation") {
		t.Fatalf("automation code without --automation: exit %d %q", r.code, r.errOut)
	}
	run(t, "", "init", code, "--automation", "--out", tokenFile)
	if fi, err := os.Stat(tokenFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}
	token, _ := os.ReadFile(tokenFile)

	// The pipeline: a fresh machine, no terminal, only the env var.
	for name, spec := range map[string]string{"path": tokenFile, "value": strings.TrimSpace(string(token))} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("APPROOV_HOME", filepath.Join(t.TempDir(), "ci"))
			t.Setenv("APPROOV_NO_PROMPT", "1")
			t.Setenv("APPROOV_MANAGEMENT_TOKEN", spec)
			r := run(t, "", "whoami", "--json")
			var w map[string]any
			json.Unmarshal([]byte(r.out), &w)
			if w["role"] != "automation" || w["role_from"] != "APPROOV_MANAGEMENT_TOKEN" || w["user"] != "ci@example.com" {
				t.Errorf("whoami = %s", r.out)
			}
			run(t, "", "whoami") // reuses the stored session
			if r := approov(t, "", "users", "list"); r.code != 5 {
				t.Errorf("automation may not list users: exit %d", r.code)
			}
		})
	}
	// A CI container without a usable home: works from the token alone.
	t.Run("no home", func(t *testing.T) {
		t.Setenv("APPROOV_HOME", "")
		t.Setenv("HOME", "")
		t.Setenv("APPROOV_MANAGEMENT_TOKEN", tokenFile)
		r := run(t, "", "whoami", "--json=role,secret_storage")
		if !strings.Contains(r.out, `"automation"`) || !strings.Contains(r.out, "memory") || !strings.Contains(r.errOut, "not saved") {
			t.Errorf("whoami without a home: %s / %s", r.out, r.errOut)
		}
	})
	if strings.Contains(string(token), "\n\n") || !strings.HasPrefix(string(token), "aom_") {
		t.Errorf("token file content malformed")
	}
}

func TestPasswordChange(t *testing.T) {
	hermetic(t)
	createLocal(t)
	if r := approov(t, adminPassword+"\nshort\n", "password", "--password-stdin"); r.code != 6 {
		t.Fatalf("short new password: exit %d %q", r.code, r.errOut)
	}
	run(t, adminPassword+"\nan even better one\n", "password", "--password-stdin")
	run(t, "", "users", "list") // the new session works at once
	run(t, "", "logout")
	if r := approov(t, adminPassword+"\n", "role", "admin", "--password-stdin"); r.code != 4 {
		t.Fatalf("old password still works: exit %d", r.code)
	}
	run(t, "an even better one\n", "role", "admin", "--password-stdin")
}

func TestCorruptStateFailsClosed(t *testing.T) {
	home := hermetic(t)
	os.MkdirAll(home, 0o700)
	os.WriteFile(filepath.Join(home, "state.json"), []byte(`{"version":1,"accounts":[`), 0o600)
	r := approov(t, "", "users", "list")
	if r.code != 1 || !strings.Contains(r.errOut, "corrupt") {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	if m, _ := filepath.Glob(filepath.Join(home, "state.json.corrupt-*")); len(m) != 1 {
		t.Errorf("corrupt file not moved aside: %v", m)
	}
}

// Prove, then persist: when `account create --init` cannot redeem the code
// it just made (here: no terminal for the password), the new account is not
// left behind, unusable and with its only code unprinted; the same command
// can simply be run again.
func TestCreateInitFailureLeavesNoAccount(t *testing.T) {
	home := hermetic(t)
	r := approov(t, "", "account", "create", "--local", "--name", "demo", "--init")
	if r.code != 4 {
		t.Fatalf("create --init without a terminal: exit %d, want 4\n%s", r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "--password-stdin") || strings.Contains(r.errOut, "Created") || strings.Contains(r.errOut, "again") {
		t.Errorf("create --init without a terminal must say --password-stdin before creating anything:\n%s", r.errOut)
	}
	if _, err := os.Stat(filepath.Join(home, "local", "demo.db")); !os.IsNotExist(err) {
		t.Fatalf("the unusable account's store was left behind: %v", err)
	}
	createLocal(t)
}

// DESIGN §2: password is for any role; for automation it rotates the
// management token, never prompting.
func TestAutomationPasswordRotatesToken(t *testing.T) {
	hermetic(t)
	createLocal(t)
	code := strings.TrimSpace(run(t, "", "users", "add", "ci@example.com", "--role", "automation").out)
	setup := filepath.Join(t.TempDir(), "setup")
	t.Setenv("APPROOV_HOME", setup)
	t.Setenv("APPROOV_NO_PROMPT", "1")
	dir := t.TempDir()
	first, second, third := filepath.Join(dir, "ci.token"), filepath.Join(dir, "ci-2.token"), filepath.Join(dir, "ci-3.token")
	run(t, "", "init", code, "--automation", "--out", first)

	// On the machine that ran init, the grant follows the new file.
	if r := approov(t, "", "password"); r.code != 2 || !strings.Contains(r.errOut, "--out") {
		t.Fatalf("password without --out: exit %d %q", r.code, r.errOut)
	}
	if r := approov(t, "", "password", "--out", first); r.code != 2 {
		t.Fatalf("password --out onto an existing file: exit %d %q", r.code, r.errOut)
	}
	r := run(t, "", "password", "--out", second)
	if fi, err := os.Stat(second); err != nil || fi.Mode().Perm() != 0o600 || !strings.Contains(r.errOut, second) {
		t.Fatalf("new token file: %v %v\n%s", fi, err, r.errOut)
	}
	if tok, _ := os.ReadFile(second); strings.Contains(r.errOut+r.out, strings.TrimSpace(string(tok))) {
		t.Fatal("the new token was printed")
	}
	run(t, "", "whoami")

	// The pipeline, from the token alone.
	t.Setenv("APPROOV_HOME", filepath.Join(t.TempDir(), "ci"))
	t.Setenv("APPROOV_MANAGEMENT_TOKEN", first)
	if r := approov(t, "", "whoami"); r.code != 4 {
		t.Fatalf("whoami with the rotated token: exit %d, want 4", r.code)
	}
	t.Setenv("APPROOV_MANAGEMENT_TOKEN", second)
	run(t, "", "whoami") // opens a session that the rotation must end
	run(t, "", "password", "--out", third)
	if r := approov(t, "", "whoami"); r.code != 4 {
		t.Fatalf("whoami with the rotated token: exit %d, want 4", r.code)
	}
	// Prove, then persist: a dead token gets no new token file.
	fourth := filepath.Join(dir, "ci-4.token")
	if r := approov(t, "", "password", "--out", fourth); r.code != 4 {
		t.Fatalf("rotating a dead token: exit %d, want 4", r.code)
	}
	if _, err := os.Stat(fourth); !os.IsNotExist(err) {
		t.Fatalf("a token file was created for a refused rotation: %v", err)
	}
	t.Setenv("APPROOV_MANAGEMENT_TOKEN", third)
	run(t, "", "whoami")
}

// security.md C9: a session that expired a second ago is not refreshed
// silently: without a terminal the command fails with exit 4 and a hint,
// and whoami shows the session as expired.
func TestExpiredSessionNeedsLogin(t *testing.T) {
	home := hermetic(t)
	createLocal(t)
	s, err := session.Open(session.Options{Dir: home})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(st *session.State) error {
		for i := range st.Sessions {
			st.Sessions[i].Expires = time.Now().Add(-time.Second)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := approov(t, "", "users", "list"); r.code != 4 || !strings.Contains(r.errOut, "--password-stdin") {
		t.Fatalf("expired session: exit %d, stderr %q; want 4 with a hint", r.code, r.errOut)
	}
	if r := run(t, "", "role"); !strings.Contains(r.out, "expired") {
		t.Errorf("role list does not show the expired session:\n%s", r.out)
	}
}

// Check that the result can be kept before spending the code: a corrupt
// state file found only after the redemption would cost the code.
func TestInitChecksStateBeforeSpendingCode(t *testing.T) {
	hermetic(t)
	createLocal(t)
	code := strings.TrimSpace(run(t, "", "users", "add", "bob@example.com", "--role", "dev").out)
	bob := filepath.Join(t.TempDir(), "bob")
	t.Setenv("APPROOV_HOME", bob)
	os.MkdirAll(bob, 0o700)
	os.WriteFile(filepath.Join(bob, "state.json"), []byte(`{"version":1,"accounts":[`), 0o600)
	if r := approov(t, "bob's password\n", "init", code, "--password-stdin"); r.code != 1 || !strings.Contains(r.errOut, "corrupt") {
		t.Fatalf("init on a corrupt state: exit %d, stderr %q", r.code, r.errOut)
	}
	run(t, "bob's password\n", "init", code, "--password-stdin") // the code is still good
}
