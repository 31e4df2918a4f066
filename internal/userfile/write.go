package userfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/approov-cli/approov/internal/fault"
)

// WriteAtomic writes data to path, a file the user named for output: into
// a temporary file next to it, synced, then renamed over it, so a reader
// sees the old file or the whole new one, never part. An existing path that
// is not a regular file (a directory, a link, a pipe, a device) is refused
// and left alone.
func WriteAtomic(path string, data []byte, perm fs.FileMode) error {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		kind := Kind(fi.Mode())
		if fi.Mode()&fs.ModeSymlink != 0 {
			kind = "a symbolic link"
		}
		return fault.New(fault.Invalid, "%s is %s: refusing to replace it", path, kind)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fault.New(fault.Invalid, "%s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fault.New(fault.Invalid, "write %s: %w", path, err)
	}
	if err := fill(tmp, data, perm); err != nil {
		os.Remove(tmp.Name())
		return fault.New(fault.Invalid, "write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fault.New(fault.Invalid, "write %s: %w", path, err)
	}
	return nil
}

// fill writes data to f with mode perm, syncs and closes it.
func fill(f *os.File, data []byte, perm fs.FileMode) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
