package enrol

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter/promptertest"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

func TestReadCodeRejectsTyposLocally(t *testing.T) {
	if _, err := readCode(strings.NewReader(""), "aoc_AAAAAAAAAAAAA.notachecksum"); fault.KindOf(err) != fault.Invalid {
		t.Errorf("typo: %v", err)
	}
	if _, err := readCode(strings.NewReader(""), "/no/such/file"); fault.KindOf(err) != fault.Invalid {
		t.Errorf("missing file: %v", err)
	}
	if _, err := readCode(strings.NewReader("garbage"), "-"); fault.KindOf(err) != fault.Invalid {
		t.Errorf("stdin garbage: %v", err)
	}
}

func TestReadCodeSources(t *testing.T) {
	code, err := auth.NewCode("demo", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "code.txt")
	os.WriteFile(file, []byte("\n  "+code.String()+"\r\n"), 0o600)
	for name, read := range map[string]func() (auth.Code, error){
		"argument": func() (auth.Code, error) { return readCode(strings.NewReader(""), code.String()) },
		"stdin":    func() (auth.Code, error) { return readCode(strings.NewReader(code.String()+"\n"), "-") },
		"file":     func() (auth.Code, error) { return readCode(strings.NewReader(""), file) },
	} {
		got, err := read()
		if err != nil || got.ID != code.ID || got.Account != "demo" {
			t.Errorf("%s: %+v, %v", name, got, err)
		}
	}
}

// Codes are case-insensitive, so an upper-cased code is a code, not a file
// name; and an argument that is neither must not be echoed when it holds a
// code (with a stray prefix): the message would carry its secret.
func TestReadCodeNeverEchoesASecret(t *testing.T) {
	code, err := auth.NewCode("demo", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readCode(strings.NewReader(""), strings.ToUpper(code.String())); err != nil || got.ID != code.ID {
		t.Errorf("upper-case code: %+v, %v", got, err)
	}
	_, secret, _ := strings.Cut(code.String(), ".")
	for _, arg := range []string{"code=" + code.String(), "'" + strings.ToUpper(code.String())} {
		_, err := readCode(strings.NewReader(""), arg)
		if err == nil || strings.Contains(strings.ToLower(err.Error()), secret[:8]) {
			t.Errorf("readCode(%.12s…) = %v: echoes the code's secret", arg, err)
		}
	}
}

// otherAccountBackend answers for another account than the code names.
type otherAccountBackend struct {
	backend.Backend
	redeemed bool
}

func (b *otherAccountBackend) InspectCode(_ context.Context, c auth.Code) (api.CodeInfo, error) {
	return api.CodeInfo{ID: c.ID, Account: "prod", User: "me@example.com", Roles: []api.RoleGrant{{Role: role.Dev}}, Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}}, nil
}

func (b *otherAccountBackend) Redeem(context.Context, auth.Code, api.RedeemRequest) (api.Redeemed, error) {
	b.redeemed = true
	return api.Redeemed{Account: "prod", User: "me@example.com", Roles: []api.RoleGrant{{Role: role.Dev}}}, nil
}

// The code pins the account: a service answering for another one (which
// would replace that account's local record) is refused before anything
// is asked or spent.
func TestInitRefusesAnswerForAnotherAccount(t *testing.T) {
	code, err := auth.NewCode("demo", []string{"local:/nowhere.db"}, auth.Fingerprint{3})
	if err != nil {
		t.Fatal(err)
	}
	b := &otherAccountBackend{}
	ios, _, _, _ := iostreams.Test()
	opts := &Options{IO: ios, Auth: logintest.LiveManager(t, b, role.Dev), Prompter: &promptertest.Scripted{Passwords: []string{"long enough pw"}},
		Source: code.String(), Now: time.Now}
	if err := Run(context.Background(), opts); err == nil || b.redeemed {
		t.Fatalf("init for another account: err %v, redeemed %v", err, b.redeemed)
	}
}

// A code without its prefix, or a management token, given to init is never
// opened as a path and printed (issue 8, defect 1); the error says what it
// looked like.
func TestReadCodeNeverEchoesOtherSecrets(t *testing.T) {
	code, err := auth.NewCode("demo", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.NewManagementToken("demo", "ci@example.com", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	bare, _ := strings.CutPrefix(code.String(), auth.CodePrefix)
	_, secret, _ := strings.Cut(bare, ".")
	tokBody, _ := strings.CutPrefix(tok.String(), auth.TokenPrefix)
	for arg, want := range map[string]string{
		bare:         "onboarding code without its aoc_ prefix",
		tok.String(): "management token (aom_…), not an onboarding code",
		tokBody:      "management token without its aom_ prefix",
		secret:       "a secret",
	} {
		_, err := readCode(strings.NewReader(""), arg)
		msg := strings.ToLower(fmt.Sprint(err, fault.HintOf(err)))
		if err == nil || strings.Contains(msg, secret[:8]) || strings.Contains(msg, tokBody[:8]) || !strings.Contains(msg, want) {
			t.Errorf("readCode(%.8s…) = %v: echoes a secret or does not say %q", arg, err, want)
		}
	}
}

// errAfter returns its text, then an error instead of EOF: a terminal that
// stays open after the pasted line.
type errAfter struct{ r io.Reader }

func (e errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errors.New("still open")
	}
	return n, err
}

// "init -" is the documented form, so a pasted code ends with Enter: the
// first line is the code, no EOF needed.
func TestReadCodeFromStdinTakesOneLine(t *testing.T) {
	code, err := auth.NewCode("demo", []string{"local:/srv/demo.db"}, auth.Fingerprint{7})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readCode(errAfter{strings.NewReader(code.String() + "\nmore")}, "-")
	if err != nil || got.ID != code.ID {
		t.Fatalf("readCode(-) = %+v, %v", got, err)
	}
}
