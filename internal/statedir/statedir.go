// Package statedir is a private state directory: a directory only we may
// write (0700, owned by us), files read and written without following
// symbolic links, atomic writes (temp file, fsync, rename, fsync of the
// directory) and cross-process locks with a timeout.
//
// Another local user who could write the directory, or plant a symbolic link
// where a lock or state file goes, could replace our state or make us
// truncate a file of theirs choosing; both are refused, not warned about.
package statedir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/approov-cli/approov/internal/fault"
)

// TempPrefix starts the name of every temp file of an atomic write.
const TempPrefix = ".tmp-"

// Dir is an open state directory.
type Dir struct {
	path   string
	warnf  func(string, ...any)
	mu     sync.Mutex // guards warned
	warned map[string]bool
}

// Open creates path (0700) when missing and checks that it is a directory
// owned by us that no one else may write. warnf (nil: silent) reports a
// directory or file that others may read, once per path.
func Open(path string, warnf func(string, ...any)) (*Dir, error) {
	if path == "" {
		return nil, errors.New("statedir: no directory given")
	}
	if warnf == nil {
		warnf = func(string, ...any) {}
	}
	d := &Dir{path: path, warnf: warnf, warned: map[string]bool{}}
	return d, d.prepare(path)
}

// Path is the directory's path.
func (d *Dir) Path() string { return d.path }

// Join is the path of name inside the directory.
func (d *Dir) Join(name string) string { return filepath.Join(d.path, name) }

// Sub opens the subdirectory name with the same rules, sharing warnings.
func (d *Dir) Sub(name string) (*Dir, error) {
	s := &Dir{path: d.Join(name), warnf: d.warnOnce, warned: map[string]bool{}}
	return s, s.prepare(s.path)
}

// prepare makes the directory and checks who may write it.
func (d *Dir) prepare(path string) error {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return fault.New(fault.Internal, "cannot create %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fault.New(fault.Internal, "cannot use %s: %w", path, err)
	}
	if !fi.IsDir() {
		return fault.New(fault.Internal, "%s is not a directory", path)
	}
	if err := checkOwner(path, fi); err != nil {
		return err
	}
	if modeChecked && fi.Mode().Perm()&0o022 != 0 {
		return fault.WithHint(fault.New(fault.Internal, "%s is writable by other users (mode %04o): they could replace its files", path, fi.Mode().Perm()),
			fmt.Sprintf("run: chmod 700 %s", path))
	}
	d.checkMode(path, fi, "700")
	return nil
}

// checkMode reports a path that others may read (as ssh does).
func (d *Dir) checkMode(path string, fi os.FileInfo, want string) {
	if modeChecked && fi.Mode().Perm()&0o077 != 0 {
		d.warnOnce("%s is accessible to other users (mode %04o); run: chmod %s %s", path, fi.Mode().Perm(), want, path)
	}
}

// warnOnce calls warnf once per distinct message.
func (d *Dir) warnOnce(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	d.mu.Lock()
	seen := d.warned[msg]
	d.warned[msg] = true
	d.mu.Unlock()
	if !seen {
		d.warnf("%s", msg)
	}
}
