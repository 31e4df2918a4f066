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
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/statedir"
)

// File names inside the approov directory.
const (
	stateFile     = "state.json"
	lockFile      = "state.lock"
	loginLockFile = "login.lock"
	secretsDir    = "secrets"
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
	state       *statedir.Dir
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

// Open prepares the directory (0700, created if missing) and returns the
// store. A directory that others may write, or that belongs to another user,
// is refused: they could replace state.json.
func Open(o Options) (*Store, error) {
	if o.Dir == "" {
		return nil, errors.New("session: no directory given")
	}
	s := &Store{dir: o.Dir, lockTimeout: o.LockTimeout, warnf: o.Warnf, keyring: o.Keyring,
		getenv: o.Getenv, now: o.Now, keyTimeout: KeyringTimeout, warned: map[string]bool{}}
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
	d, err := statedir.Open(s.dir, s.warnf)
	if err != nil {
		return nil, err
	}
	s.state = d
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
	unlock, err = s.state.Lock(ctx, loginLockFile, wait, func() {
		s.warnf("waiting for another approov command that is logging in (at most %s)", wait)
	})
	if _, timedOut := errors.AsType[*statedir.TimeoutError](err); timedOut {
		return nil, fault.New(fault.Internal, "timed out after %s waiting for another approov login", wait)
	}
	return unlock, err
}

// locked runs fn holding the cross-process lock, waiting at most lockTimeout.
func (s *Store) locked(ctx context.Context, fn func() error) error {
	unlock, err := s.state.Lock(ctx, lockFile, s.lockTimeout, nil)
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// read parses the state file. A missing file is an empty state; a file that
// does not parse is moved aside and reported (fail closed).
func (s *Store) read() (*State, error) {
	path := s.Path()
	b, err := s.state.ReadFile(stateFile, maxStateSize)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{Version: SchemaVersion}, nil
	}
	if err != nil {
		return nil, err
	}
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
	return s.state.WriteFile(stateFile, append(b, '\n'))
}

// removeStaleTemps deletes temp files left by a process killed mid-write.
// Only called under the lock, so no live writer owns them.
func (s *Store) removeStaleTemps() {
	s.state.RemoveStaleTemps()
	if fi, err := os.Lstat(filepath.Join(s.dir, secretsDir)); err == nil && fi.IsDir() {
		if d, err := s.state.Sub(secretsDir); err == nil {
			d.RemoveStaleTemps()
		}
	}
}
