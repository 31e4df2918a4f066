//go:build unix

package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/iostreams"
)

// A named pipe blocked `app inspect` and `pin extract` in open() forever,
// and a directory was tried as a host name (issue 8, defect 4): anything
// but a regular file is refused at once with exit 6, saying what it is.
func TestSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"f.apk", "f.pem", "f.txt"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	certs := filepath.Join(dir, "certs")
	os.Mkdir(certs, 0o700)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"app", "inspect", filepath.Join(dir, "f.apk")}, "f.apk is a named pipe, not a regular file"},
		{[]string{"pin", "extract", filepath.Join(dir, "f.pem")}, "f.pem is a named pipe, not a regular file"},
		{[]string{"pin", "extract", certs}, "certs is a directory, not a regular file"},
		{[]string{"app", "inspect", certs}, "certs is a directory, not a regular file"},
		{[]string{"pin", "check", "--file", filepath.Join(dir, "f.txt")}, "f.txt is a named pipe, not a regular file"},
		{[]string{"pin", "extract", "--ca-file", filepath.Join(dir, "f.pem"), "127.0.0.1:1"}, "f.pem is a named pipe, not a regular file"},
	} {
		ios, _, _, errOut := iostreams.Test()
		done := make(chan int, 1)
		go func() { done <- Run(context.Background(), ios, tc.args) }()
		select {
		case code := <-done:
			if code != 6 || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("approov %s: exit %d, stderr %q; want exit 6 saying %q", strings.Join(tc.args, " "), code, errOut, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("approov %s blocked", strings.Join(tc.args, " "))
		}
	}
}
