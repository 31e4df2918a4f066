package token

import (
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/apitoken"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// fake signs and checks as the service does, with a fixed secret.
func fake(seen *[]api.TokenExampleRequest) *backendtest.Fake {
	f := &backendtest.Fake{}
	backendtest.On(f, api.OpTokenExample, func(_ backend.Caller, r api.TokenExampleRequest) (api.TokenExample, error) {
		*seen = append(*seen, r)
		tok, err := apitoken.Example(secret, "", apitoken.ExampleOptions{Type: apitoken.Type(r.Type), Bind: r.Bind, TTL: r.TTL, DeviceID: r.DeviceID, IP: r.IP})
		return api.TokenExample{Token: tok}, err
	})
	backendtest.On(f, api.OpTokenCheck, func(_ backend.Caller, r api.TokenCheckRequest) (apitoken.Report, error) {
		rep, _ := apitoken.Check(r.Token, secret, apitoken.CheckOptions{Bind: r.Bind})
		return rep, nil
	})
	return f
}

func TestExampleFlags(t *testing.T) {
	tests := []struct {
		args []string
		want api.TokenExampleRequest
		err  fault.Kind
	}{
		{[]string{"api.example.com"}, api.TokenExampleRequest{Domain: "api.example.com", Type: "valid", TTL: time.Hour}, noErr},
		{[]string{"a.example", "--type", "invalid", "--bind", "", "--ttl", "5m", "--did", "d1", "--ip", "::1"},
			api.TokenExampleRequest{Domain: "a.example", Type: "invalid", Bind: []byte{}, TTL: 5 * time.Minute, DeviceID: "d1", IP: "::1"}, noErr},
		{[]string{"a.example", "--type", "forged"}, api.TokenExampleRequest{}, fault.Usage},
	}
	for _, tt := range tests {
		var seen []api.TokenExampleRequest
		f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake(&seen), role.Dev)})
		err := clitest.Execute(NewCmdExample(f, nil), tt.args...)
		if kindOf(err) != tt.err {
			t.Errorf("%q: %v, want kind %v", tt.args, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if len(seen) != 1 || seen[0].Domain != tt.want.Domain || seen[0].Type != tt.want.Type || seen[0].TTL != tt.want.TTL ||
			(seen[0].Bind == nil) != (tt.want.Bind == nil) || seen[0].IP != tt.want.IP || seen[0].DeviceID != tt.want.DeviceID {
			t.Errorf("%q sent %+v, want %+v", tt.args, seen, tt.want)
		}
		if out := s.Out.String(); strings.Count(out, "\n") != 1 || strings.Count(out, ".") != 2 || s.ErrOut.Len() != 0 {
			t.Errorf("%q printed %q / %q: want the token alone", tt.args, out, s.ErrOut.String())
		}
	}
}

func TestCheck(t *testing.T) {
	var seen []api.TokenExampleRequest
	b := fake(&seen)
	good, _ := apitoken.Example(secret, "", apitoken.ExampleOptions{Bind: []byte("x")})
	other, _ := apitoken.Example([]byte("another secret of sixteen+ bytes"), "", apitoken.ExampleOptions{})
	tests := []struct {
		name  string
		args  []string
		stdin string
		err   fault.Kind
		out   string
	}{
		{"valid", []string{good}, "", noErr, "valid token"},
		{"stdin", []string{"-"}, good + "\n", noErr, "binding: bound to data (pay claim), not checked"},
		{"binding", []string{good, "--bind", "x"}, "", noErr, "bound to the data given"},
		{"wrong binding", []string{good, "--bind", "y"}, "", fault.Invalid, "bound to other data"},
		{"wrong secret", []string{other}, "", fault.Invalid, "signature"},
		{"json", []string{good, "--json=valid,binding"}, "", noErr, `"binding": "unchecked"`},
		{"stdin too long", []string{"-"}, strings.Repeat("a", apitoken.MaxTokenSize+10), fault.Invalid, ""},
		{"bad json field", []string{good, "--json=secret"}, "", fault.Usage, ""},
	}
	for _, tt := range tests {
		f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, b, role.Dev)})
		s.In.WriteString(tt.stdin)
		err := clitest.Execute(NewCmdCheck(f, nil), tt.args...)
		if kindOf(err) != tt.err || !strings.Contains(s.Out.String(), tt.out) {
			t.Errorf("%s: %v (want kind %v)\n%s", tt.name, err, tt.err, s.Out.String())
		}
	}
}

// noErr stands for success in the tables (fault.KindOf(nil) is Internal).
const noErr fault.Kind = 255

func kindOf(err error) fault.Kind {
	if err == nil {
		return noErr
	}
	return fault.KindOf(err)
}
