package pin_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/cmdutil"
)

const vectors = "../../../testdata/pins"

// streams are a test's streams with the Factory that writes to them.
type streams struct {
	clitest.Streams
	f *cmdutil.Factory
}

func newStreams(tty bool) streams {
	f, s := clitest.Factory(clitest.Config{TTY: tty})
	return streams{s, f}
}

func factory(s streams) *cmdutil.Factory { return s.f }

// parse runs cmd's flag parsing with args; its runF captures the options.
func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return cmd.ExecuteContext(context.Background())
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func opensslPins(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectors, "pins.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		want[f[0]] = f[1]
	}
	return want
}

func oneLine(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("reason is not one line: %q", err)
	}
}
