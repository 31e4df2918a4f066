//go:build unix

package statedir

import (
	"os"
	"syscall"

	"github.com/approov-cli/approov/internal/fault"
)

// noFollow opens refuse a symbolic link as the last component and never
// block on a FIFO or device (its type is checked right after).
const noFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// modeChecked: POSIX modes mean something here.
const modeChecked = true

// checkOwner refuses a directory owned by another user: its owner could
// replace any file in it.
func checkOwner(path string, fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return nil
	}
	return fault.WithHint(fault.New(fault.Internal, "%s belongs to another user (uid %d): they could replace its files", path, st.Uid),
		"set APPROOV_HOME to a directory of your own")
}
