package session

import (
	"os"
	"path/filepath"
	"runtime"

	"github.com/approov-cli/approov/internal/fault"
)

// writeAtomic writes data to dir/name with mode 0600 so that readers see
// either the old file or the complete new one: temp file in the same
// directory, fsync, rename over the target, fsync of the directory.
func writeAtomic(dir, name string, data []byte) (err error) {
	target := filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, tempPrefix+name+"-*")
	if err != nil {
		return fault.New(fault.Internal, "cannot write %s: %w", target, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return fault.New(fault.Internal, "cannot write %s: %w", target, err)
	}
	if _, err = f.Write(data); err != nil {
		return fault.New(fault.Internal, "cannot write %s: %w", target, err)
	}
	if err = f.Sync(); err != nil {
		return fault.New(fault.Internal, "cannot write %s: %w", target, err)
	}
	if err = f.Close(); err != nil {
		return fault.New(fault.Internal, "cannot write %s: %w", target, err)
	}
	if err = os.Rename(tmp, target); err != nil {
		return fault.New(fault.Internal, "cannot write %s: %w", target, err)
	}
	return syncDir(dir)
}

// syncDir makes the rename durable. Windows cannot open a directory for sync.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fault.New(fault.Internal, "cannot sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fault.New(fault.Internal, "cannot sync %s: %w", dir, err)
	}
	return nil
}

// modeChecked reports whether POSIX modes mean anything here; on Windows the
// profile's ACL protects the directory instead.
func modeChecked() bool { return runtime.GOOS != "windows" }
