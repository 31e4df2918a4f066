package approovd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/iostreams"
)

// runIO is run with stdin given and stdout or stdin a terminal.
func runIO(t *testing.T, stdin []byte, tty string, args ...string) (int, string, string) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.Write(stdin)
	ios.SetStdoutTTY(tty == "stdout")
	ios.SetStdinTTY(tty == "stdin")
	code := Run(context.Background(), ios, args, func(string) string { return "" })
	return code, out.String(), errOut.String()
}

// TestDumpRestoreCopy runs the store commands on bolt stores: the dump's
// file mode and terminal refusals, restore's refusals, copy's.
func TestDumpRestoreCopy(t *testing.T) {
	dir := t.TempDir()
	src := "bolt://" + filepath.Join(dir, "src.db")
	if code, _, errOut := run(t, nil, "account", "create", "--store", src, "--name", "acme", "--url", "https://127.0.0.1:8443"); code != 0 {
		t.Fatal(errOut)
	}
	out := filepath.Join(dir, "acme.json")
	if code, _, errOut := run(t, nil, "store", "dump", "--store", src, "--output", out); code != 0 {
		t.Fatal(errOut)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("dump file: %v, %v", fi.Mode(), err)
	}
	dump, _ := os.ReadFile(out)
	for _, tt := range []struct {
		name  string
		stdin []byte
		tty   string
		args  []string
		code  int
		want  string
	}{
		{"dump to a terminal", nil, "stdout", []string{"store", "dump", "--store", src}, 2, "not writing it to a terminal"},
		{"dump without a store", nil, "", []string{"store", "dump"}, 2, "--store (or APPROOVD_STORE)"},
		{"dump of a missing account", nil, "", []string{"store", "dump", "--store", src, "--account", "zz"}, 2, `no account "zz"`},
		{"restore from a terminal", nil, "stdin", []string{"store", "restore", "--store", src}, 2, "give the dump on stdin"},
		{"restore over the account", dump, "", []string{"store", "restore", "--store", src}, 3, "already exists"},
		{"restore garbage", []byte("{"), "", []string{"store", "restore", "--store", src}, 6, "truncated"},
		{"copy onto itself", nil, "", []string{"store", "copy", "--from", src, "--to", src}, 2, "same store"},
		{"copy from nothing", nil, "", []string{"store", "copy", "--from", "bolt://" + filepath.Join(dir, "none.db"), "--to", "bolt://" + filepath.Join(dir, "n2.db")}, 6, ""},
		{"copy into a store in use", nil, "", []string{"store", "copy", "--from", src, "--to", src + "x"}, 0, "verified"},
		{"copy again", nil, "", []string{"store", "copy", "--from", src, "--to", src + "x"}, 3, "not empty"},
	} {
		code, stdout, errOut := runIO(t, tt.stdin, tt.tty, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) || (code != 0 && stdout != "") {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.name, code, errOut, tt.code, tt.want)
		}
	}
	code, stdout, errOut := runIO(t, nil, "", "store", "dump", "--store", src+"x")
	if code != 0 || stdout != string(dump) {
		t.Errorf("dump of the copy differs from the original's (exit %d, %s)", code, errOut)
	}
}
