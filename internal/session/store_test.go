package session

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// The test binary doubles as a helper process: the cross-process tests
// re-execute it with APPROOV_SESSION_HELPER set.
func TestMain(m *testing.M) {
	switch os.Getenv("APPROOV_SESSION_HELPER") {
	case "":
		os.Exit(m.Run())
	case "add-account":
		os.Exit(helperAddAccount())
	}
	os.Exit(3)
}

func helperStore() *Store {
	s, err := Open(Options{Dir: os.Getenv("APPROOV_HOME"), LockTimeout: time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return s
}

func helperAddAccount() int {
	id := os.Getenv("APPROOV_SESSION_HELPER_ID")
	err := helperStore().Update(context.Background(), func(st *State) error {
		st.PutAccount(Account{ID: id, Name: "acct-" + id, Backend: []string{"local:/x"}})
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func newStore(t *testing.T) (*Store, *[]string) {
	t.Helper()
	var warnings []string
	var mu sync.Mutex
	s, err := Open(Options{Dir: filepath.Join(t.TempDir(), "approov"), Warnf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, fmt.Sprintf(f, a...))
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s, &warnings
}

func helperCmd(t *testing.T, dir, mode, id string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "APPROOV_HOME="+dir, "APPROOV_SESSION_HELPER="+mode, "APPROOV_SESSION_HELPER_ID="+id)
	return cmd
}

func TestParallelProcessesLoseNothing(t *testing.T) {
	s, _ := newStore(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := helperCmd(t, s.Dir(), "add-account", strconv.Itoa(i)).CombinedOutput()
			if err != nil {
				errs <- fmt.Errorf("helper %d: %v: %s", i, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, err := s.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Accounts) != n {
		t.Fatalf("got %d accounts after %d concurrent processes, want %d", len(st.Accounts), n, n)
	}
}

// A planted link or a directory others may write must never let another
// local user truncate a file or replace the state (issue 8, defect 3).
func TestUnsafeDirectoryRefused(t *testing.T) {
	victim := filepath.Join(t.TempDir(), "victim")
	plant := map[string]func(dir string){
		"symlinked lock":  func(dir string) { os.Symlink(victim, filepath.Join(dir, lockFile)) },
		"symlinked state": func(dir string) { os.Symlink(victim, filepath.Join(dir, stateFile)) },
		"0777 directory":  func(dir string) { os.Chmod(dir, 0o777) },
	}
	for name, fn := range plant {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(victim, []byte(`{"version":1}`), 0o644)
			dir := filepath.Join(t.TempDir(), "approov")
			os.Mkdir(dir, 0o700)
			fn(dir)
			s, err := Open(Options{Dir: dir})
			if err == nil {
				err = s.Update(context.Background(), func(*State) error { return nil })
			}
			if err == nil {
				t.Fatal("an unsafe approov directory was used")
			}
			if b, _ := os.ReadFile(victim); string(b) != `{"version":1}` {
				t.Errorf("a file outside the directory was changed: %q", b)
			}
		})
	}
}

func TestCorruptFileFailsClosed(t *testing.T) {
	for name, content := range map[string]string{
		"truncated":  `{"version":1,"accounts":[{"id":"a"`,
		"garbage":    "\x00\x01not json",
		"empty":      "",
		"no version": `{"accounts":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			s, _ := newStore(t)
			if err := os.WriteFile(s.Path(), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			called := false
			err := s.Update(context.Background(), func(*State) error { called = true; return nil })
			if err == nil || called {
				t.Fatalf("Update on a corrupt file: err=%v, fn called=%v; want an error and no call", err, called)
			}
			if !strings.Contains(err.Error(), "corrupt") || fault.HintOf(err) == "" {
				t.Errorf("error %q (hint %q) should say corrupt and give a hint", err, fault.HintOf(err))
			}
			if _, err := os.Stat(s.Path()); !os.IsNotExist(err) {
				t.Errorf("corrupt file was not moved aside (stat: %v)", err)
			}
			aside, _ := filepath.Glob(s.Path() + ".corrupt-*")
			if len(aside) != 1 {
				t.Fatalf("want one .corrupt- copy, got %v", aside)
			}
			if b, _ := os.ReadFile(aside[0]); string(b) != content {
				t.Errorf("moved-aside content changed")
			}
		})
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s, _ := newStore(t)
	os.WriteFile(s.Path(), []byte(`{"version":99}`), 0o600)
	if _, err := s.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("err = %v, want a newer-schema refusal", err)
	}
	if _, err := os.Stat(s.Path()); err != nil {
		t.Fatalf("a newer file must be left in place: %v", err)
	}
}

func TestWorldReadableFileReported(t *testing.T) {
	s, warnings := newStore(t)
	if err := os.WriteFile(s.Path(), []byte(`{"version":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(s.Path(), 0o644)
	if _, err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(*warnings) != 1 || !strings.Contains((*warnings)[0], "0644") || !strings.Contains((*warnings)[0], "chmod 600") {
		t.Fatalf("warnings = %q, want one naming mode 0644 and chmod 600", *warnings)
	}
	if err := s.Update(context.Background(), func(*State) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(s.Path()); fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten file mode = %04o, want 0600", fi.Mode().Perm())
	}
}

func TestPermissions(t *testing.T) {
	s, _ := newStore(t)
	if err := s.Update(context.Background(), func(st *State) error {
		st.PutAccount(Account{ID: "a"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSecret(context.Background(), "session-x", "k", PolicyFile); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		s.Dir(): 0o700, s.Path(): 0o600,
		filepath.Join(s.Dir(), secretsDir): 0o700, filepath.Join(s.Dir(), secretsDir, "session-x"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
	}
}

func TestUpdateErrorWritesNothing(t *testing.T) {
	s, _ := newStore(t)
	err := s.Update(context.Background(), func(st *State) error {
		st.PutAccount(Account{ID: "a"})
		return fmt.Errorf("no")
	})
	if err == nil {
		t.Fatal("want the fn error")
	}
	if _, err := os.Stat(s.Path()); !os.IsNotExist(err) {
		t.Fatalf("a failed update wrote the file")
	}
}

func TestLockTimeoutNamesHolder(t *testing.T) {
	s, _ := newStore(t)
	s.lockTimeout = 100 * time.Millisecond
	hold := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Update(context.Background(), func(*State) error { <-hold; return nil })
	}()
	time.Sleep(50 * time.Millisecond)
	other, _ := Open(Options{Dir: s.Dir(), LockTimeout: 100 * time.Millisecond})
	_, err := other.Load(context.Background())
	close(hold)
	if <-done != nil {
		t.Fatal("holder failed")
	}
	if err == nil || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("err = %v, want a timeout naming pid %d", err, os.Getpid())
	}
}

func TestStateRoundTrip(t *testing.T) {
	s, _ := newStore(t)
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	err := s.Update(context.Background(), func(st *State) error {
		st.PutAccount(Account{ID: "acc1", Name: "demo", User: "a@example.com",
			Roles: []Grant{{Role: role.Admin, Method: MethodPassword}, {Role: role.Dev, Method: MethodPassword}}})
		st.PutSession(Session{ID: "s1", Account: "acc1", Role: role.Admin, Expires: exp, Secret: InFile})
		st.LastUsed = "admin:acc1"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Account("demo"); a == nil || a.Grant(role.Dev) == nil {
		t.Fatalf("account by name: %+v", a)
	}
	if ss := st.Session("acc1", role.Admin); ss == nil || !ss.Expires.Equal(exp) {
		t.Fatalf("session: %+v", ss)
	}
	if st.LastUsed != "admin:acc1" {
		t.Errorf("LastUsed = %q", st.LastUsed)
	}
	old := st.PutSession(Session{ID: "s2", Account: "acc1", Role: role.Admin, Expires: exp})
	if len(old) != 1 || old[0].ID != "s1" || len(st.Sessions) != 1 {
		t.Errorf("PutSession should replace s1: old=%v sessions=%v", old, st.Sessions)
	}
	gone := st.RemoveAccount("acc1")
	if len(gone) != 1 || len(st.Accounts) != 0 || st.LastUsed != "" {
		t.Errorf("RemoveAccount: gone=%v state=%+v", gone, st)
	}
}

func TestParseRoleRef(t *testing.T) {
	for in, want := range map[string]RoleRef{
		"admin": {Role: role.Admin}, "DEV:demo": {Role: role.Dev, Account: "demo"}, "automation:12:3": {Role: role.Automation, Account: "12:3"},
	} {
		got, err := ParseRoleRef(in)
		if err != nil || got != want {
			t.Errorf("ParseRoleRef(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseRoleRef("root:x"); err == nil {
		t.Error("unknown role accepted")
	}
}

func init() { keyring.MockInit() }
