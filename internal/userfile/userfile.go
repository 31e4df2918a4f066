// Package userfile opens files named by the user (apps, certificates, codes,
// tokens) for reading: regular files only, checked without blocking, so a
// named pipe or a device never hangs a command and a directory is named as one.
package userfile

import (
	"errors"
	"io/fs"
	"os"

	"github.com/approov-cli/approov/internal/fault"
)

// Open opens path for reading. Anything but a regular file (after following
// links) is refused with a fault.Invalid error saying what it is; so is a
// missing or unreadable file (the error keeps fs.ErrNotExist and friends).
func Open(path string) (*os.File, error) {
	// Stat first: opening a device can have effects of its own. The open
	// cannot block either, and the type is checked again on what it opened.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fault.New(fault.Invalid, "%s is %s, not a regular file", path, Kind(fi.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fault.New(fault.Invalid, "%s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		f.Close()
		return nil, fault.New(fault.Invalid, "%s is %s, not a regular file", path, Kind(fi.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, fault.New(fault.Invalid, "%s: %w", path, err)
	}
	return f, nil
}

// Kind names a file type: "a directory", "a named pipe"...
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}
