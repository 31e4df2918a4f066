package statedir

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"

	"github.com/approov-cli/approov/internal/fault"
)

// TimeoutError is a lock that another process held for longer than the wait.
type TimeoutError struct {
	Path   string
	Wait   time.Duration
	Holder string // "process <pid>", or "another approov process"
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s waiting for %s, held by %s", e.Wait, e.Path, e.Holder)
}

// Lock takes the cross-process lock file name, waiting at most wait; waiting
// (nil: nothing) is called once when another process holds it. The lock
// file is never followed through a symbolic link, and records the holder's
// PID for whoever times out waiting.
func (d *Dir) Lock(ctx context.Context, name string, wait time.Duration, waiting func()) (unlock func(), err error) {
	path := d.Join(name)
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi.Mode())
	}
	lk := flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDWR|noFollow))
	ok, err := lk.TryLock()
	if err == nil && !ok {
		if waiting != nil {
			waiting()
		}
		ctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		ok, err = lk.TryLockContext(ctx, 10*time.Millisecond)
	}
	if err != nil || !ok {
		return nil, lockError(path, wait, err)
	}
	if err := writePID(path); err != nil {
		lk.Close()
		return nil, err
	}
	return func() { lk.Close() }, nil
}

// writePID records our PID in the lock file we hold, opened again without
// following links (a link planted since would point at someone's file).
func writePID(path string) error {
	f, err := openRegular(path, os.O_WRONLY)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(0); err != nil {
		return fault.New(fault.Internal, "cannot write %s: %w", path, err)
	}
	_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return err
}

func lockError(path string, wait time.Duration, err error) error {
	if errors.Is(err, syscall.ELOOP) {
		return notRegular(path, os.ModeSymlink)
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fault.New(fault.Internal, "cannot lock %s: %w", path, err)
	}
	return fault.WithHint(fault.Wrap(fault.Internal, &TimeoutError{Path: path, Wait: wait, Holder: holder(path)}),
		"wait for that process to finish, or end it if it is stuck")
}

// holder names the process whose PID the lock file records.
func holder(path string) string {
	f, err := openRegular(path, os.O_RDONLY)
	if err != nil {
		return "another approov process"
	}
	defer f.Close()
	b := make([]byte, 32)
	n, _ := f.Read(b)
	if pid := strings.TrimSpace(string(b[:n])); pid != "" {
		if _, err := strconv.Atoi(pid); err == nil {
			return "process " + pid
		}
	}
	return "another approov process"
}
