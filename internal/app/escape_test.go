package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins/pinstest"
)

// evil fakes a success line if printed raw.
const evil = "Evil\x1b[2K\r\u2713 Joined account bank\nX"

// rawControl reports a control character other than the line ends and
// tabs the command itself writes.
func rawControl(s string) bool {
	return strings.ContainsAny(s, "\x1b\r\u202e") || strings.Contains(s, "bank\nX")
}

// Untrusted strings (certificate subjects, file names, error messages
// carrying them) reach the terminal escaped (issue 8, defect 5).
func TestUntrustedTextIsEscaped(t *testing.T) {
	dir := t.TempDir()
	ca := pinstest.NewCA(t, evil)
	pemFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(pemFile, ca.PEM(), 0o600)
	apk, err := os.ReadFile("../../testdata/apps/android/v123.apk")
	if err != nil {
		t.Fatal(err)
	}
	evilAPK := filepath.Join(dir, "x\x1b[2K\rok.apk")
	os.WriteFile(evilAPK, apk, 0o600)
	for _, tc := range []struct {
		args []string
		tty  bool
		want string // the escaped form, visible
	}{
		{[]string{"pin", "extract", pemFile}, false, `Evil\x1b[2K\r✓ Joined account bank\nX`},
		{[]string{"pin", "extract", pemFile}, true, `Evil\x1b[2K\r✓ Joined account bank\nX`},
		{[]string{"app", "inspect", evilAPK}, true, `x\x1b[2K\rok.apk`},
		{[]string{"app", "inspect", filepath.Join(dir, "gone\x1b[31m\n.apk")}, false, `gone\x1b[31m\n.apk`},
	} {
		ios, _, out, errOut := iostreams.Test()
		ios.SetStdoutTTY(tc.tty)
		Run(context.Background(), ios, tc.args)
		all := out.String() + errOut.String()
		if rawControl(all) || !strings.Contains(all, tc.want) {
			t.Errorf("approov %q (tty %v) printed %q; want only the escaped %q", tc.args, tc.tty, all, tc.want)
		}
	}
}

func TestReportEscapesMessageAndHint(t *testing.T) {
	var b strings.Builder
	report(&b, fault.WithHint(fault.New(fault.Invalid, "entry %s is odd", evil), "look at "+evil), "approov")
	if rawControl(b.String()) || strings.Count(b.String(), "\n") != 2 {
		t.Errorf("report printed %q", b.String())
	}
}
