//go:build unix

package statedir

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a helper process for the kill test.
func TestMain(m *testing.M) {
	if dir := os.Getenv("STATEDIR_HELPER_DIR"); dir != "" {
		os.Exit(writeForever(dir))
	}
	os.Exit(m.Run())
}

// writeForever rewrites a large file under the lock until it is killed.
func writeForever(path string) int {
	d, err := Open(path, nil)
	if err != nil {
		return 1
	}
	big := []byte(strings.Repeat("x", 1<<20))
	for i := 0; ; i++ {
		unlock, err := d.Lock(context.Background(), "state.lock", time.Minute, nil)
		if err != nil {
			return 1
		}
		err = d.WriteFile("state", append([]byte(strconv.Itoa(i)+"\n"), big...))
		unlock()
		if err != nil {
			return 1
		}
		if i == 0 {
			fmt.Println("ready") // the parent kills from now on
		}
	}
}

func openDir(t *testing.T) (*Dir, *[]string) {
	t.Helper()
	var warnings []string
	d, err := Open(filepath.Join(t.TempDir(), "state"), func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) })
	if err != nil {
		t.Fatal(err)
	}
	return d, &warnings
}

func TestOpenCreatesPrivateDir(t *testing.T) {
	d, warnings := openDir(t)
	fi, err := os.Stat(d.Path())
	if err != nil || fi.Mode().Perm() != 0o700 || len(*warnings) != 0 {
		t.Fatalf("stat %v, mode %v, warnings %q; want a 0700 directory, no warning", err, fi.Mode(), *warnings)
	}
}

func TestDirOthersMayWriteIsRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o777, 0o770, 0o702, 0o1777} {
		dir := filepath.Join(t.TempDir(), "state")
		os.Mkdir(dir, 0o700)
		os.Chmod(dir, mode)
		_, err := Open(dir, nil)
		if err == nil || !strings.Contains(err.Error(), "writable by other users") {
			t.Errorf("mode %04o: err = %v, want a refusal", mode, err)
		}
	}
}

func TestDirOthersMayReadIsReported(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	os.Mkdir(dir, 0o755)
	os.Chmod(dir, 0o755)
	var warnings []string
	if _, err := Open(dir, func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "chmod 700") {
		t.Fatalf("warnings = %q, want one saying chmod 700", warnings)
	}
}

func TestDirOfAnotherUserIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	dir := filepath.Join(t.TempDir(), "state")
	os.Mkdir(dir, 0o700)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), "another user") {
		t.Fatalf("err = %v, want a refusal naming another user", err)
	}
}

func TestSymlinkedLockIsRefused(t *testing.T) {
	for _, existing := range []bool{true, false} {
		d, _ := openDir(t)
		victim := filepath.Join(t.TempDir(), "victim")
		if existing {
			os.WriteFile(victim, []byte("precious"), 0o644)
		}
		os.Symlink(victim, d.Join("state.lock"))
		unlock, err := d.Lock(context.Background(), "state.lock", time.Second, nil)
		if err == nil {
			unlock()
			t.Fatalf("existing=%v: a symlinked lock file was used", existing)
		}
		if !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("existing=%v: err = %v, want it to say symbolic link", existing, err)
		}
		b, err := os.ReadFile(victim)
		if existing && string(b) != "precious" {
			t.Errorf("the link's target was changed to %q", b)
		}
		if !existing && err == nil {
			t.Errorf("the link's target was created")
		}
	}
}

func TestSymlinkedStateFileIsRefused(t *testing.T) {
	d, _ := openDir(t)
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte(`{"planted":true}`), 0o600)
	os.Symlink(victim, d.Join("state.json"))
	if _, err := d.ReadFile("state.json", 1024); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("ReadFile through a link: err = %v, want a refusal", err)
	}
	if err := d.WriteFile("state.json", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != `{"planted":true}` {
		t.Errorf("WriteFile wrote through the link: target now %q", b)
	}
	if fi, _ := os.Lstat(d.Join("state.json")); !fi.Mode().IsRegular() {
		t.Errorf("WriteFile left %v in place, want a regular file", fi.Mode())
	}
}

func TestFIFOsNeverBlock(t *testing.T) {
	d, _ := openDir(t)
	for _, name := range []string{"state.json", "state.lock"} {
		if err := syscall.Mkfifo(d.Join(name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 2)
	go func() { _, err := d.ReadFile("state.json", 1024); done <- err }()
	go func() { _, err := d.Lock(context.Background(), "state.lock", time.Second, nil); done <- err }()
	for range 2 {
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("err = %v, want a refusal of a non-regular file", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("blocked on a FIFO")
		}
	}
}

func TestReadFile(t *testing.T) {
	d, warnings := openDir(t)
	if _, err := d.ReadFile("missing", 10); !os.IsNotExist(err) {
		t.Errorf("missing file: err = %v, want not-exist", err)
	}
	os.WriteFile(d.Join("big"), make([]byte, 11), 0o600)
	if _, err := d.ReadFile("big", 10); err == nil || !strings.Contains(err.Error(), "larger than 10") {
		t.Errorf("oversized file: err = %v", err)
	}
	os.WriteFile(d.Join("open"), []byte("ok"), 0o644)
	os.Chmod(d.Join("open"), 0o644)
	if b, err := d.ReadFile("open", 10); err != nil || string(b) != "ok" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	if len(*warnings) != 1 || !strings.Contains((*warnings)[0], "0644") || !strings.Contains((*warnings)[0], "chmod 600") {
		t.Errorf("warnings = %q, want one naming mode 0644 and chmod 600", *warnings)
	}
	if err := d.WriteFile("open", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(d.Join("open")); fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten file mode = %04o, want 0600", fi.Mode().Perm())
	}
}

func TestLockTimeoutNamesHolder(t *testing.T) {
	d, _ := openDir(t)
	unlock, err := d.Lock(context.Background(), "x.lock", time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	waited := false
	_, err = d.Lock(context.Background(), "x.lock", 50*time.Millisecond, func() { waited = true })
	var te *TimeoutError
	if !waited || err == nil || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("waited=%v err=%v, want a timeout naming pid %d", waited, err, os.Getpid())
	}
	if !asTimeout(err, &te) || te.Wait != 50*time.Millisecond {
		t.Errorf("err %T is not a *TimeoutError with the wait", err)
	}
}

func TestKilledMidWriteLeavesValidFile(t *testing.T) {
	d, _ := openDir(t)
	midWrite := 0
	for i := 0; i < 8; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "STATEDIR_HELPER_DIR="+d.Path())
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatalf("helper never got ready: %v", err)
		}
		waitForTemp(d.Path(), 5*time.Second) // kill while a write is under way
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		b, err := d.ReadFile("state", 2<<20)
		if err != nil || len(b) != 1<<20+len(strings.SplitN(string(b), "\n", 2)[0])+1 {
			t.Fatalf("round %d: file damaged after SIGKILL (%d bytes, %v)", i, len(b), err)
		}
		if temps, _ := filepath.Glob(d.Join(TempPrefix + "*")); len(temps) > 0 {
			midWrite++ // killed between creating the temp file and renaming it
		}
		unlock, err := d.Lock(context.Background(), "state.lock", time.Second, nil)
		if err != nil {
			t.Fatalf("round %d: the lock of a killed holder was not released: %v", i, err)
		}
		d.RemoveStaleTemps()
		unlock()
		if temps, _ := filepath.Glob(d.Join(TempPrefix + "*")); len(temps) != 0 {
			t.Fatalf("round %d: stale temp files survive: %v", i, temps)
		}
	}
	if midWrite == 0 {
		t.Fatal("no kill landed in the middle of a write: the test proved nothing")
	}
	t.Logf("%d of 8 kills landed mid-write", midWrite)
}

// waitForTemp returns once a temp file of an atomic write exists in dir.
func waitForTemp(dir string, limit time.Duration) {
	for end := time.Now().Add(limit); time.Now().Before(end); {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), TempPrefix) {
				return
			}
		}
	}
}

func asTimeout(err error, te **TimeoutError) bool { return errors.As(err, te) }
