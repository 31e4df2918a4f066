package service_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// FuzzTokenHandlers sends arbitrary example and check requests in a live
// admin session: the answer is a token that checks, a Report, or a usage or
// invalid error; never a panic, never the secret in an error or a Report.
func FuzzTokenHandlers(f *testing.F) {
	h := newHarness(f, nil)
	h.enrol()
	admin, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		f.Fatal(err)
	}
	sec, err := backend.Call(h.ctx, h.b, api.OpSecretGet, admin, api.Empty{})
	if err != nil {
		f.Fatal(err)
	}
	forms := []string{base64.StdEncoding.EncodeToString(sec.Secret), base64.RawURLEncoding.EncodeToString(sec.Secret), hex.EncodeToString(sec.Secret)}
	f.Add("api.example.com", "valid", []byte("Bearer x"), int64(time.Minute), "did", "1.2.3.4", "eyJhbGciOiJub25lIn0.e30.")
	f.Add("bad domain", "invalid", []byte(nil), int64(-1), "\x00", "::1", strings.Repeat("a.", 9000))
	f.Fuzz(func(t *testing.T, domain, typ string, bind []byte, ttl int64, did, ip, token string) {
		ex, err := backend.Call(h.ctx, h.b, api.OpTokenExample, admin, api.TokenExampleRequest{Domain: domain, Type: typ, Bind: bind, TTL: time.Duration(ttl), DeviceID: did, IP: ip})
		leak(t, forms, err)
		if err == nil {
			rep, err := backend.Call(h.ctx, h.b, api.OpTokenCheck, admin, api.TokenCheckRequest{Token: ex.Token, Bind: bind})
			if err != nil || rep.Valid != (typ != "invalid") {
				t.Fatalf("example of type %q checks as %+v, %v", typ, rep, err)
			}
		} else if k := fault.KindOf(err); k != fault.Usage && k != fault.Invalid {
			t.Fatalf("example: %v (kind %v)", err, k)
		}
		rep, err := backend.Call(h.ctx, h.b, api.OpTokenCheck, admin, api.TokenCheckRequest{Token: token, Bind: bind})
		leak(t, forms, err)
		if err == nil {
			leak(t, forms, fault.New(fault.Invalid, "%+v", rep))
		}
	})
}

func leak(t *testing.T, forms []string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range forms {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("the secret is in %q", err)
		}
	}
}
