package secret

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/prompter/promptertest"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

var value = []byte("\xfb\xff\x00secret-bytes-of-the-account-32b")

func fake(rotations *int) *backendtest.Fake {
	f := &backendtest.Fake{}
	backendtest.On(f, api.OpSecretGet, func(backend.Caller, api.Empty) (api.TokenSecret, error) {
		return api.TokenSecret{Secret: value, KeyID: "0001"}, nil
	})
	backendtest.On(f, api.OpSecretRotate, func(backend.Caller, api.Empty) (api.SecretInfo, error) {
		*rotations++
		return api.SecretInfo{KeyID: "0001", RotatedAt: time.Unix(1e9, 0).UTC()}, nil
	})
	backendtest.On(f, api.OpSecretSetKeyID, func(_ backend.Caller, r api.SetKeyIDRequest) (api.SecretInfo, error) {
		return api.SecretInfo{KeyID: r.KeyID}, nil
	})
	return f
}

func TestGet(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "secret (base64, kid 0001): " + base64.StdEncoding.EncodeToString(value) + "\n"},
		{[]string{"--plain"}, base64.StdEncoding.EncodeToString(value) + "\n"},
		{[]string{"--plain", "--encoding", "base64url"}, base64.RawURLEncoding.EncodeToString(value) + "\n"},
		{[]string{"--plain", "--encoding", "raw-hex"}, hex.EncodeToString(value) + "\n"},
		{[]string{"--json=secret,encoding", "--encoding", "raw-hex"}, "{\n  \"encoding\": \"raw-hex\",\n  \"secret\": \"" + hex.EncodeToString(value) + "\"\n}\n"},
	}
	for _, tt := range tests {
		var n int
		f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake(&n), role.Admin)})
		if err := clitest.Execute(NewCmdGet(f, nil), tt.args...); err != nil || s.Out.String() != tt.want {
			t.Errorf("%q: %v\n got %q\nwant %q", tt.args, err, s.Out.String(), tt.want)
		}
	}
	var n int
	f, _ := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake(&n), role.Admin)})
	if err := clitest.Execute(NewCmdGet(f, nil), "--encoding", "base32"); fault.KindOf(err) != fault.Usage {
		t.Errorf("--encoding base32: %v", err)
	}
}

func TestRotateConfirms(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		answers  []bool
		args     []string
		kind     fault.Kind
		rotation int
	}{
		{"no terminal, no --yes", false, nil, nil, fault.Usage, 0},
		{"--yes", false, nil, []string{"--yes"}, 0, 1},
		{"terminal: yes", true, []bool{true}, nil, 0, 1},
		{"terminal: no", true, []bool{false}, nil, fault.Cancelled, 0},
	}
	for _, tt := range tests {
		var n int
		p := &promptertest.Scripted{Confirms: tt.answers}
		f, s := clitest.Factory(clitest.Config{TTY: tt.tty, Prompter: p, Auth: logintest.LiveManager(t, fake(&n), role.Admin)})
		s.IO.SetStdinTTY(tt.tty)
		err := clitest.Execute(NewCmdRotate(f, nil), tt.args...)
		if (err == nil) != (tt.kind == 0) || (err != nil && fault.KindOf(err) != tt.kind) || n != tt.rotation {
			t.Errorf("%s: %v, %d rotations", tt.name, err, n)
		}
		if tt.tty && (len(p.Asked) != 1 || !strings.Contains(p.Asked[0], "account demo") || !strings.Contains(p.Asked[0], "every API backend")) {
			t.Errorf("%s: asked %q: want the account and what breaks", tt.name, p.Asked)
		}
		if n == 1 && (!strings.Contains(s.ErrOut.String(), "account demo") || strings.Contains(s.ErrOut.String()+s.Out.String(), base64.StdEncoding.EncodeToString(value))) {
			t.Errorf("%s: printed %q", tt.name, s.ErrOut.String())
		}
	}
}

func TestSetKID(t *testing.T) {
	var n int
	f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake(&n), role.Admin)})
	if err := clitest.Execute(NewCmdSetKID(f, nil), ""); err != nil || !strings.Contains(s.ErrOut.String(), "kid none") {
		t.Errorf("clearing the kid: %v %q", err, s.ErrOut.String())
	}
}
