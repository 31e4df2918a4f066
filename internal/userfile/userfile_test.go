//go:build unix

package userfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "f.pem")
	os.WriteFile(reg, []byte("data"), 0o600)
	fifo := filepath.Join(dir, "pipe.apk")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(reg, link)
	for _, tc := range []struct{ path, want string }{
		{reg, ""}, {link, ""},
		{fifo, "is a named pipe, not a regular file"},
		{dir, "is a directory, not a regular file"},
		{filepath.Join(dir, "missing"), "no such file"},
	} {
		done := make(chan struct{})
		var f *os.File
		var err error
		go func() { f, err = Open(tc.path); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Open(%s) blocked", tc.path)
		}
		if tc.want == "" {
			if err != nil {
				t.Fatalf("Open(%s): %v", tc.path, err)
			}
			b, _ := io.ReadAll(f)
			f.Close()
			if string(b) != "data" {
				t.Errorf("read %q", b)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || fault.KindOf(err) != fault.Invalid {
			t.Errorf("Open(%s) = %v (kind %v), want an Invalid error saying %q", tc.path, err, fault.KindOf(err), tc.want)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file's error %v does not match fs.ErrNotExist", err)
	}
}
