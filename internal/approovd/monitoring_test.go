package approovd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/notify/email"
)

// TestSMTPRelayFlags: the password comes from a file or the environment,
// never a flag; a relay needs a sender.
func TestSMTPRelayFlags(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "smtp.pw")
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{EnvSMTPPassword: "from-env"}
	getenv := func(k string) string { return env[k] }
	for _, tt := range []struct {
		opts MonitorOptions
		pw   string
		err  string
	}{
		{MonitorOptions{}, "", ""},
		{MonitorOptions{SMTPAddr: "relay:587", SMTPFrom: "monitor@example.com", SMTPUser: "u"}, "from-env", ""},
		{MonitorOptions{SMTPAddr: "relay:587", SMTPFrom: "monitor@example.com", SMTPUser: "u", SMTPPassFile: pwFile}, "from-file", ""},
		{MonitorOptions{SMTPAddr: "relay:587"}, "", "--smtp-from"},
		{MonitorOptions{SMTPAddr: "relay:587", SMTPFrom: "monitor@example.com", SMTPPassFile: pwFile + ".missing"}, "", "--smtp-password-file"},
	} {
		m, err := tt.opts.mailer(getenv)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%+v: %v, want %q", tt.opts, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%+v: %v", tt.opts, err)
		}
		if r, ok := m.(email.Relay); (m == nil) != (tt.opts.SMTPAddr == "") || (ok && r.Password != tt.pw) {
			t.Errorf("%+v: wrong mailer (password from the wrong place?)", tt.opts)
		}
	}
	cmd := NewCmdServe(&Factory{}, nil)
	if cmd.Flags().Lookup("smtp-password") != nil {
		t.Fatal("serve takes the SMTP password as a flag")
	}
}
