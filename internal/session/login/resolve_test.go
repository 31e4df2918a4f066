package login

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
)

func account(id string, roles ...role.Role) session.Account {
	a := session.Account{ID: id, Name: id, User: "u@example.com", Backend: []string{"local:/nowhere"}}
	for _, r := range roles {
		a.Roles = append(a.Roles, session.Grant{Role: r, Method: session.MethodPassword})
	}
	return a
}

func managerWith(t *testing.T, env map[string]string, lastUsed string, accts ...session.Account) *Manager {
	t.Helper()
	s, err := session.Open(session.Options{Dir: filepath.Join(t.TempDir(), "a")})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(st *session.State) error {
		st.Accounts, st.LastUsed = accts, lastUsed
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{Store: func() (*session.Store, error) { return s, nil }, Getenv: func(k string) string { return env[k] },
		Now: time.Now, Warnf: func(string, ...any) {}})
}

func TestResolve(t *testing.T) {
	tok, err := auth.NewManagementToken("ci-acct", "ci@example.com", []string{"local:/srv/ci.db"}, auth.Fingerprint{1})
	if err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(t.TempDir(), "tok")
	os.WriteFile(tokFile, []byte(tok.String()+"\n"), 0o600)
	demo := account("demo", role.Admin, role.Dev)
	other := account("other", role.Admin)
	solo := account("solo", role.Dev)

	tests := []struct {
		name     string
		env      map[string]string
		last     string
		accts    []session.Account
		want     string // "role:account", or "" when an error is expected
		from     string
		wantKind fault.Kind
		hint     string
	}{
		{name: "no account", wantKind: fault.Auth, hint: "approov init -"},
		{name: "env role", env: map[string]string{"APPROOV_ROLE": "dev"}, accts: []session.Account{demo}, want: "dev:demo", from: "APPROOV_ROLE"},
		{name: "env role and account by name", env: map[string]string{"APPROOV_ROLE": "admin:other"}, accts: []session.Account{demo, other}, want: "admin:other"},
		{name: "env role ambiguous", env: map[string]string{"APPROOV_ROLE": "admin"}, accts: []session.Account{demo, other}, wantKind: fault.Usage, hint: "approov role admin <account>"},
		{name: "env account unknown", env: map[string]string{"APPROOV_ROLE": "admin:nope"}, accts: []session.Account{demo}, wantKind: fault.Auth},
		{name: "env role not held", env: map[string]string{"APPROOV_ROLE": "delegate"}, accts: []session.Account{demo}, wantKind: fault.Permission},
		{name: "env role malformed", env: map[string]string{"APPROOV_ROLE": "root"}, accts: []session.Account{demo}, wantKind: fault.Usage},
		{name: "last used", last: "admin:demo", accts: []session.Account{demo}, want: "admin:demo", from: "last used"},
		{name: "last used gone falls back", last: "admin:gone", accts: []session.Account{solo}, want: "dev:solo", from: "only role"},
		{name: "only role", accts: []session.Account{solo}, want: "dev:solo"},
		{name: "several roles, none chosen", accts: []session.Account{demo}, wantKind: fault.Auth, hint: "approov role"},
		{name: "token value", env: map[string]string{"APPROOV_MANAGEMENT_TOKEN": tok.String()}, accts: []session.Account{demo}, want: "automation:ci-acct", from: "APPROOV_MANAGEMENT_TOKEN"},
		{name: "token path", env: map[string]string{"APPROOV_MANAGEMENT_TOKEN": tokFile}, want: "automation:ci-acct"},
		{name: "token with automation role", env: map[string]string{"APPROOV_MANAGEMENT_TOKEN": tokFile, "APPROOV_ROLE": "automation"}, want: "automation:ci-acct"},
		{name: "explicit other role beats token", env: map[string]string{"APPROOV_MANAGEMENT_TOKEN": tokFile, "APPROOV_ROLE": "dev"}, accts: []session.Account{demo}, want: "dev:demo"},
		{name: "token file missing", env: map[string]string{"APPROOV_MANAGEMENT_TOKEN": "/no/such/file"}, wantKind: fault.Auth},
		{name: "token mistyped", env: map[string]string{"APPROOV_MANAGEMENT_TOKEN": mistype(tok.String(), 30)}, wantKind: fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := managerWith(t, tt.env, tt.last, tt.accts...)
			got, err := m.Active(context.Background())
			if tt.want == "" {
				if err == nil || fault.KindOf(err) != tt.wantKind || !strings.Contains(fault.HintOf(err), tt.hint) {
					t.Fatalf("got %v, err %v (kind %v, hint %q); want kind %v, hint containing %q", got.Ref(), err, fault.KindOf(err), fault.HintOf(err), tt.wantKind, tt.hint)
				}
				return
			}
			if err != nil || got.Ref().String() != tt.want || (tt.from != "" && got.From != tt.from) {
				t.Fatalf("got %v from %q, err %v; want %s from %q", got.Ref(), got.From, err, tt.want, tt.from)
			}
			if strings.HasPrefix(tt.want, "automation") && got.Token == nil {
				t.Errorf("automation target without its token")
			}
		})
	}
}

func TestRefArgs(t *testing.T) {
	for in, want := range map[string]string{"admin": "admin", "admin:demo": "admin demo"} {
		if got := refArgs(in); got != want {
			t.Errorf("refArgs(%q) = %q", in, got)
		}
	}
}

func TestRateLimitHint(t *testing.T) {
	err := rateLimitHint(&api.RateLimitError{Err: fault.New(fault.Auth, "too many failed attempts"), After: 90 * time.Second})
	if fault.KindOf(err) != fault.Auth || !strings.Contains(fault.HintOf(err), "wait 1m30s") {
		t.Fatalf("err %v, hint %q", err, fault.HintOf(err))
	}
	plain := fault.New(fault.Auth, "login failed")
	if rateLimitHint(plain) != plain {
		t.Error("a plain error gained a hint")
	}
}

// APPROOV_MANAGEMENT_TOKEN holding a token with stray quotes or a prefix is
// parsed as a token, never opened as a path: the error would carry it.
func TestTokenSpecNeverEchoesTheToken(t *testing.T) {
	tok, err := auth.NewManagementToken("demo", "ci@example.com", []string{"local:/nowhere"}, auth.Fingerprint{1})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := parseTokenSpec(strings.ToUpper(tok.String()), t.Logf); err != nil || got.User != "ci@example.com" {
		t.Errorf("upper-case token: %v", err)
	}
	_, body, _ := strings.Cut(tok.String(), "_")
	for _, spec := range []string{"'" + tok.String() + "'", "Bearer " + tok.String()} {
		_, err := parseTokenSpec(spec, t.Logf)
		if err == nil || strings.Contains(strings.ToLower(err.Error()+fault.HintOf(err)), body[:12]) {
			t.Errorf("parseTokenSpec(%.10s…) = %v: echoes the token", spec, err)
		}
	}
	// Without its prefix the token is no path either; say what it looks like
	// (issue 8, defect 1).
	for _, spec := range []string{body, strings.ToUpper(body), "aom" + body, body[:40]} {
		_, err := parseTokenSpec(spec, t.Logf)
		msg := strings.ToLower(err.Error() + fault.HintOf(err))
		if err == nil || strings.Contains(msg, body[5:17]) || !strings.Contains(msg, "looks like") {
			t.Errorf("parseTokenSpec(%.8s…) = %v: echoes the token or does not say what it looks like", spec, err)
		}
	}
	if _, err := parseTokenSpec(body, t.Logf); err == nil || !strings.Contains(err.Error(), "management token without its aom_ prefix") {
		t.Errorf("a token without its prefix: %v", err)
	}
}

func TestTokenFileModeWarned(t *testing.T) {
	tok, err := auth.NewManagementToken("demo", "ci@example.com", []string{"local:/nowhere"}, auth.Fingerprint{1})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o600, 0o644, 0o640} {
		path := filepath.Join(t.TempDir(), "ci.token")
		os.WriteFile(path, []byte(tok.String()+"\n"), mode)
		os.Chmod(path, mode)
		var warned []string
		_, err := parseTokenSpec(path, func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
		if err != nil || (len(warned) == 1) != (mode != 0o600) {
			t.Errorf("mode %04o: err %v, warnings %q", mode, err, warned)
		}
		if len(warned) == 1 && !strings.Contains(warned[0], "chmod 600") {
			t.Errorf("warning without the fix: %q", warned[0])
		}
	}
}

// mistype changes the character at i to another one: replacing it with a
// fixed letter would leave the token whole when it already was that letter.
func mistype(s string, i int) string {
	c := byte('x')
	if s[i] == c {
		c = 'y'
	}
	return s[:i] + string(c) + s[i+1:]
}
