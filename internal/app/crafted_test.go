package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/iostreams"
)

// TestInitWithCraftedLocalPath: `approov init` with a code whose local:
// path names a file that is not an approov store (anyone can make such a
// code: the checksum is public) exits 6 with one error line and leaves
// the file as it was.
func TestInitWithCraftedLocalPath(t *testing.T) {
	for name, content := range map[string][]byte{
		"passwd-like": []byte("root:x:0:0:root:/root:/bin/bash\n"),
		"empty":       {},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("HOME", dir)
			t.Setenv("APPROOV_HOME", filepath.Join(dir, ".approov"))
			t.Setenv("APPROOV_ROLE", "")
			t.Setenv("APPROOV_MANAGEMENT_TOKEN", "")
			target := filepath.Join(dir, "passwd")
			os.WriteFile(target, content, 0o644)
			code, err := auth.NewCode("acme", []string{auth.LocalPrefix + target}, auth.Fingerprint{1})
			if err != nil {
				t.Fatal(err)
			}
			ios, _, _, stderr := iostreams.Test()
			if rc := Run(context.Background(), ios, []string{"init", code.String()}); rc != 6 {
				t.Errorf("exit %d, want 6; stderr:\n%s", rc, stderr)
			}
			first, _, _ := strings.Cut(stderr.String(), "\n")
			if !strings.HasPrefix(first, "error: ") || !strings.Contains(first, "not an approov store") {
				t.Errorf("stderr %q, want one error line saying it is not an approov store", stderr)
			}
			got, _ := os.ReadFile(target)
			if fi, _ := os.Stat(target); !bytes.Equal(got, content) || fi.Mode().Perm() != 0o644 {
				t.Errorf("the file changed: %v, %d bytes", fi.Mode(), len(got))
			}
		})
	}
}
