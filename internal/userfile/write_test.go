package userfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
)

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "chart.svg")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteAtomic(out, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(out); string(got) != content {
			t.Fatalf("file holds %q, want %q", got, content)
		}
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("keep"), 0o600)
	os.Symlink(target, filepath.Join(dir, "link"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, kind := range map[string]string{"link": "a symbolic link", "sub": "a directory", "fifo": "a named pipe"} {
		err := WriteAtomic(filepath.Join(dir, name), []byte("x"), 0o644)
		if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), kind) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got, _ := os.ReadFile(target); string(got) != "keep" {
		t.Errorf("the link's target changed: %q", got)
	}
	if err := WriteAtomic(filepath.Join(dir, "missing", "x.svg"), []byte("x"), 0o644); fault.KindOf(err) != fault.Invalid {
		t.Errorf("missing directory: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
