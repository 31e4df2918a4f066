package approovd

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/server"
	"github.com/approov-cli/approov/internal/store/storeurl"
)

func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	code := Run(context.Background(), ios, args, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestServeRefusals(t *testing.T) {
	store := "bolt://" + filepath.Join(t.TempDir(), "a.db")
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"dev off loopback", nil, []string{"serve", "--dev", "--listen", "0.0.0.0:0", "--store", store}, "loopback only"},
		{"dev off loopback from the environment", map[string]string{"APPROOVD_LISTEN": "192.0.2.1:8443", "APPROOVD_DEV": "true"}, []string{"serve", "--store", store}, "loopback only"},
		{"no certificate", nil, []string{"serve", "--store", store}, "--tls-cert and --tls-key"},
		{"dev and a certificate", nil, []string{"serve", "--dev", "--tls-cert", "c", "--store", store}, "drop --tls-cert"},
		{"bad store URL", nil, []string{"serve", "--dev", "--store", "mysql://db/x"}, "unsupported scheme"},
		{"bad postgres URL", nil, []string{"serve", "--dev", "--store", "postgres://u:p%zz@db/x"}, "not a valid postgres:// URL"},
		{"migrate a bolt store", nil, []string{"store", "migrate", "--store", store}, "only a PostgreSQL store"},
		{"migrate without a store", nil, []string{"store", "migrate"}, "--store"},
		{"bad store URL from the environment", map[string]string{"APPROOVD_STORE": "relative.db"}, []string{"serve", "--dev"}, "store URL"},
		{"bad log format", nil, []string{"serve", "--dev", "--store", store, "--log-format", "xml"}, "--log-format"},
	} {
		code, _, errOut := run(t, tt.env, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tt.name, code, errOut, tt.want)
		}
	}
}

// With no server running, account create opens the store itself; the
// code names the URLs in order and, with a dev certificate beside the
// store, pins the loopback ones.
func TestAccountCreateOnStore(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := server.DevCertificate(dir); err != nil {
		t.Fatal(err)
	}
	pin, _ := server.DevPin(dir)
	env := map[string]string{"APPROOVD_STORE": "bolt://" + filepath.Join(dir, "approovd.db")}
	code, out, errOut := run(t, env, "account", "create", "--name", "acme", "--user", "a@example.com",
		"--url", "https://127.0.0.1:8443/", "--url", "https://approov.example.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	c, err := auth.ParseCode(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{auth.WithPin("https://127.0.0.1:8443", pin), "https://approov.example.com"}
	if c.Account != "acme" || strings.Join(c.Backend, " ") != strings.Join(want, " ") {
		t.Fatalf("code for %s at %v, want acme at %v", c.Account, c.Backend, want)
	}
	if strings.Contains(errOut, out) {
		t.Fatal("the code went to stderr too")
	}
	if strings.Contains(errOut, "carries no certificate pin") {
		t.Fatalf("a note of a missing pin beside a dev certificate: %s", errOut)
	}
	if code, _, errOut := run(t, env, "account", "create", "--name", "acme", "--url", "https://127.0.0.1:8443"); code != 3 {
		t.Fatalf("second acme: exit %d, %s", code, errOut)
	}
	if code, _, _ := run(t, env, "account", "create", "--name", "b"); code != 2 {
		t.Fatalf("no --url: exit %d", code)
	}
	if code, _, _ := run(t, env, "account", "create", "--name", "c", "--url", "http://127.0.0.1:1"); code != 2 {
		t.Fatalf("http URL: exit %d", code)
	}
}

// Without a dev certificate beside the store (a --dev server still
// starting, or one with a certificate of its own), a loopback URL carries
// no pin, and account create says so.
func TestAccountCreateNotesAnUnpinnedLoopbackURL(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"APPROOVD_STORE": "bolt://" + filepath.Join(dir, "approovd.db")}
	code, out, errOut := run(t, env, "account", "create", "--name", "acme", "--url", "https://127.0.0.1:8443")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "note: https://127.0.0.1:8443 carries no certificate pin") || strings.Contains(errOut, "pin-sha256=") {
		t.Fatalf("stderr %q: want the note of a missing pin", errOut)
	}
	if c, err := auth.ParseCode(strings.TrimSpace(out)); err != nil || strings.Contains(c.Backend[0], "#") {
		t.Fatalf("code %v, %v: want the URL unpinned", c, err)
	}
}

func TestEnvName(t *testing.T) {
	if got := EnvName("tls-cert"); got != "APPROOVD_TLS_CERT" {
		t.Fatal(got)
	}
}

func TestHelpNamesTheEssentials(t *testing.T) {
	code, out, _ := run(t, nil, "--help")
	for _, want := range []string{"serve --dev", "APPROOVD_LISTEN", "docs/approovd.md", "account create", "postgres://", "store copy"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("approovd --help lacks %q", want)
		}
	}
}

func TestStateDir(t *testing.T) {
	bolt, _ := storeurl.Parse("bolt:///srv/approovd/a.db")
	pg, _ := storeurl.Parse("postgres://approov@db/approov")
	for _, tt := range []struct {
		flag string
		u    storeurl.URL
		want string
	}{
		{"", bolt, "/srv/approovd"},
		{"/run/x/", bolt, "/run/x"},
		{"", pg, DefaultStateDir},
		{"/home/me/.approovd", pg, "/home/me/.approovd"},
	} {
		if got := stateDir(tt.flag, tt.u); got != tt.want {
			t.Errorf("stateDir(%q, %s) = %q, want %q", tt.flag, tt.u, got, tt.want)
		}
	}
}
