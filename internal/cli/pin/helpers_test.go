package pin_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/spf13/cobra"
)

const vectors = "../../../testdata/pins"

type streams struct {
	ios             *iostreams.IOStreams
	in, out, errOut *bytes.Buffer
}

func newStreams(tty bool) streams {
	ios, in, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	return streams{ios, in, out, errOut}
}

func factory(s streams) *cmdutil.Factory {
	return &cmdutil.Factory{IOStreams: s.ios, Now: time.Now}
}

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
