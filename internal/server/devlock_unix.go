//go:build unix

package server

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/approov-cli/approov/internal/fault"
)

// lockDir holds an exclusive lock on dir (made 0700 if need be) until the
// returned unlock: instances starting together on one state directory
// make one --dev certificate, not one each.
func lockDir(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fault.Wrap(fault.Internal, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, devLockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fault.Wrap(fault.Internal, err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}
