// Package session keeps approov's local state in ~/.approov (or
// $APPROOV_HOME): the accounts this machine joined, their roles, and live
// sessions, with session keys kept in the OS keyring or a 0600 file.
//
// Every change is a read-modify-write under a cross-process lock, re-reading
// the file after the lock is taken, and is written atomically (temp file,
// fsync, rename, fsync of the directory), so concurrent approov processes
// lose nothing and a crash never leaves a half-written file. A file that does
// not parse is moved aside and reported: state is never silently rebuilt.
package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/approov-cli/approov/internal/fault"
)

// File names inside the approov directory.
const (
	stateFile     = "state.json"
	lockFile      = "state.lock"
	loginLockFile = "login.lock"
	secretsDir    = "secrets"
	tempPrefix    = ".tmp-"
)

// DefaultLockTimeout bounds the wait for another approov process.
const DefaultLockTimeout = 10 * time.Second

// maxStateSize bounds what we read: state is small, a huge file is not ours.
const maxStateSize = 16 << 20

// Options configure a Store.
type Options struct {
	Dir         string               // required; see DefaultDir
	LockTimeout time.Duration        // 0: DefaultLockTimeout
	Warnf       func(string, ...any) // reports insecure permissions; nil: silent
	Keyring     Keyring              // nil: the OS keyring through go-keyring
	Getenv      func(string) string  // nil: os.Getenv (DBUS_SESSION_BUS_ADDRESS)
	Now         func() time.Time     // nil: time.Now
}

// Store is the approov directory.
type Store struct {
	dir         string
	lockTimeout time.Duration
	warnf       func(string, ...any)
	keyring     Keyring
	getenv      func(string) string
	now         func() time.Time
	keyTimeout  time.Duration
	mu          sync.Mutex // guards warned
	warned      map[string]bool
}

// DefaultDir returns $APPROOV_HOME, else ~/.approov.
func DefaultDir(getenv func(string) string) (string, error) {
	if d := getenv("APPROOV_HOME"); d != "" {
		return filepath.Abs(d)
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", fault.WithHint(fault.New(fault.Internal, "cannot find the home directory: %v", err), "set APPROOV_HOME to a private directory")
	}
	return filepath.Join(home, ".approov"), nil
}

// Open prepares the directory (0700, created if missing) and returns the store.
func Open(o Options) (*Store, error) {
	if o.Dir == "" {
		return nil, errors.New("session: no directory given")
	}
	s := &Store{dir: o.Dir, lockTimeout: o.LockTimeout, warnf: o.Warnf, keyring: o.Keyring,
		getenv: o.Getenv, now: o.Now, warned: map[string]bool{}, keyTimeout: KeyringTimeout}
	if s.lockTimeout == 0 {
		s.lockTimeout = DefaultLockTimeout
	}
	if s.warnf == nil {
		s.warnf = func(string, ...any) {}
	}
	if s.keyring == nil {
		s.keyring = osKeyring{}
	}
	if s.getenv == nil {
		s.getenv = os.Getenv
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fault.New(fault.Internal, "cannot create %s: %w", s.dir, err)
	}
	s.checkMode(s.dir, true)
	return s, nil
}

// Dir is the approov directory.
func (s *Store) Dir() string { return s.dir }

// Path is the state file's path.
func (s *Store) Path() string { return filepath.Join(s.dir, stateFile) }

// Load returns the current state (empty when no file exists yet). It takes
// the lock so that it never reads while a corrupt file is being moved aside.
func (s *Store) Load(ctx context.Context) (*State, error) {
	var st *State
	err := s.locked(ctx, func() error {
		var err error
		st, err = s.read()
		return err
	})
	return st, err
}

// Update runs fn on the freshly read state under the lock and writes the
// result atomically. When fn returns an error nothing is written.
func (s *Store) Update(ctx context.Context, fn func(*State) error) error {
	return s.locked(ctx, func() error {
		s.removeStaleTemps()
		st, err := s.read()
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
		return s.write(st)
	})
}

// LoginLock takes the cross-process login lock, waiting at most wait (a
// user may be typing a password in another terminal). Holding it, a process
// re-reads the state before logging in, so commands started together log in
// once (security.md S2). It is not the state lock, which is never held
// across a prompt.
func (s *Store) LoginLock(ctx context.Context, wait time.Duration) (unlock func(), err error) {
	lk := flock.New(filepath.Join(s.dir, loginLockFile), flock.SetPermissions(0o600))
	if ok, err := lk.TryLock(); err == nil && ok {
		return func() { lk.Close() }, nil
	}
	s.warnf("waiting for another approov command that is logging in (at most %s)", wait)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ok, err := lk.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		return nil, fault.New(fault.Internal, "timed out after %s waiting for another approov login", wait)
	}
	return func() { lk.Close() }, nil
}

// locked runs fn holding the cross-process lock, waiting at most lockTimeout.
func (s *Store) locked(ctx context.Context, fn func() error) error {
	path := filepath.Join(s.dir, lockFile)
	lk := flock.New(path, flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(ctx, s.lockTimeout)
	defer cancel()
	ok, err := lk.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil || !ok {
		return s.lockError(path, err)
	}
	defer lk.Close()
	// The holder's PID helps whoever times out waiting for us.
	_ = os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	return fn()
}

func (s *Store) lockError(path string, err error) error {
	holder := "another approov process"
	if b, rerr := os.ReadFile(path); rerr == nil {
		if pid := strings.TrimSpace(string(b)); pid != "" {
			holder = "process " + pid
		}
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fault.New(fault.Internal, "cannot lock %s: %w", path, err)
	}
	return fault.WithHint(fault.New(fault.Internal, "timed out after %s waiting for %s, held by %s", s.lockTimeout, path, holder),
		"wait for that process to finish, or end it if it is stuck")
}

// read parses the state file. A missing file is an empty state; a file that
// does not parse is moved aside and reported (fail closed).
func (s *Store) read() (*State, error) {
	path := s.Path()
	b, err := readBounded(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{Version: SchemaVersion}, nil
	}
	if err != nil {
		return nil, fault.New(fault.Internal, "cannot read %s: %w", path, err)
	}
	s.checkMode(path, false)
	var st State
	if err := json.Unmarshal(b, &st); err != nil || st.Version < 1 {
		if err == nil {
			err = errors.New("no version")
		}
		return nil, s.moveAside(path, err)
	}
	if st.Version > SchemaVersion {
		return nil, fault.WithHint(fault.New(fault.Internal, "%s was written by a newer approov (schema %d)", path, st.Version), "upgrade approov")
	}
	return &st, nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err == nil && len(b) > maxStateSize {
		err = fmt.Errorf("larger than %d bytes", maxStateSize)
	}
	return b, err
}

func (s *Store) moveAside(path string, cause error) error {
	aside := fmt.Sprintf("%s.corrupt-%s", path, s.now().UTC().Format("20060102T150405.000000000Z"))
	if err := os.Rename(path, aside); err != nil {
		return fault.New(fault.Internal, "%s is corrupt (%v) and could not be moved aside: %w", path, cause, err)
	}
	return fault.WithHint(fault.New(fault.Internal, "%s was corrupt (%v); it was moved to %s and nothing was changed", path, cause, aside),
		"inspect or repair that file and move it back, or run approov init again to rejoin your accounts")
}

// write replaces the state file atomically.
func (s *Store) write(st *State) error {
	st.Version = SchemaVersion
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fault.New(fault.Internal, "cannot encode state: %w", err)
	}
	return writeAtomic(s.dir, stateFile, append(b, '\n'))
}

// checkMode reports a file or directory that others may read (as ssh does).
// The next write replaces a file with a 0600 one; a directory is left alone.
func (s *Store) checkMode(path string, dir bool) {
	fi, err := os.Stat(path)
	if err != nil || !modeChecked() {
		return
	}
	if fi.Mode().Perm()&0o077 != 0 {
		want := "600"
		if dir {
			want = "700"
		}
		s.warnOnce(path, "%s is accessible to other users (mode %04o); run: chmod %s %s", path, fi.Mode().Perm(), want, path)
	}
}

// removeStaleTemps deletes temp files left by a process killed mid-write.
// Only called under the lock, so no live writer owns them.
func (s *Store) removeStaleTemps() {
	for _, d := range []string{s.dir, filepath.Join(s.dir, secretsDir)} {
		matches, _ := filepath.Glob(filepath.Join(d, tempPrefix+"*"))
		for _, m := range matches {
			_ = os.Remove(m)
		}
	}
}
