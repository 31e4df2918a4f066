package statedir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/approov-cli/approov/internal/fault"
)

// ReadFile reads name, at most max bytes. A missing file gives an error
// matching fs.ErrNotExist; a symbolic link, a FIFO or any other non-regular
// file is refused without blocking; a file others may read is reported.
func (d *Dir) ReadFile(name string, max int64) ([]byte, error) {
	path := d.Join(name)
	f, err := openRegular(path, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		d.checkMode(path, fi, "600")
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fault.New(fault.Internal, "cannot read %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fault.New(fault.Internal, "cannot read %s: larger than %d bytes", path, max)
	}
	return b, nil
}

// WriteFile replaces name with data, mode 0600, so that readers see either
// the old file or the complete new one: temp file in the same directory,
// fsync, rename over the target (which replaces a link, never follows it),
// fsync of the directory.
func (d *Dir) WriteFile(name string, data []byte) (err error) {
	target := d.Join(name)
	f, err := os.CreateTemp(d.path, TempPrefix+name+"-*")
	if err != nil {
		return fault.New(fault.Internal, "cannot write %s: %w", target, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fault.New(fault.Internal, "cannot write %s: %w", target, err)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, target); err != nil {
		return err
	}
	return syncDir(d.path)
}

// RemoveStaleTemps deletes temp files left by a process killed mid-write.
// Call it only holding the lock that writers take, so no live writer owns them.
func (d *Dir) RemoveStaleTemps() {
	matches, _ := filepath.Glob(filepath.Join(d.path, TempPrefix+"*"))
	for _, m := range matches {
		_ = os.Remove(m)
	}
}

// openRegular opens path without following a symbolic link or blocking on
// a FIFO, and refuses anything but a regular file.
func openRegular(path string, flag int) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi.Mode())
	}
	f, err := os.OpenFile(path, flag|noFollow, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, notRegular(path, fs.ModeSymlink)
	}
	if err != nil {
		return nil, fault.New(fault.Internal, "cannot open %s: %w", path, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, fault.New(fault.Internal, "cannot open %s: %w", path, err)
		}
		return nil, notRegular(path, fi.Mode())
	}
	return f, nil
}

// notRegular refuses a file that approov did not make: a link could point
// at another file, a FIFO would block forever.
func notRegular(path string, m fs.FileMode) error {
	what := "not a regular file"
	if m&fs.ModeSymlink != 0 {
		what = "a symbolic link"
	}
	return fault.WithHint(fault.New(fault.Internal, "%s is %s; approov refuses to use it", path, what),
		fmt.Sprintf("remove %s: approov writes its own files there", path))
}

// syncDir makes a rename durable. Windows cannot open a directory for sync.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
