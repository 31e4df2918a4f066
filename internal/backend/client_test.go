package backend

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
)

// TestUnverifiedAnswers: an unsigned error answer (a service that cannot
// reach its store has no key to sign with) is shown as a network error,
// whatever kind it claims; anything else that fails verification stays
// the verification error.
func TestUnverifiedAnswers(t *testing.T) {
	verifyErr := errors.New("not signed by the pinned service key")
	wire := func(kind, msg string) []byte {
		b, _ := json.Marshal(api.WireError{Kind: kind, Message: msg})
		return b
	}
	for _, tc := range []struct {
		name string
		resp auth.Response
		want string // "" = verifyErr
	}{
		{"unsigned store error", auth.Response{Status: 503, Body: wire("network", "the store is unreachable")}, "the store is unreachable (an unsigned answer, status 503)"},
		{"unsigned, claims conflict", auth.Response{Status: 409, Body: wire("conflict", "version moved")}, "version moved (an unsigned answer, status 409)"},
		{"unsigned control characters", auth.Response{Status: 500, Body: wire("internal", "a\x1b[2Jb")}, "a [2Jb (an unsigned answer, status 500)"},
		{"signed but bad", auth.Response{Status: 503, Body: wire("network", "x"), Signature: []byte{1}}, ""},
		{"unsigned success", auth.Response{Status: 200, Body: []byte(`{}`)}, ""},
		{"unsigned, not an error object", auth.Response{Status: 502, Body: []byte("<html>")}, ""},
		{"unsigned, empty message", auth.Response{Status: 503, Body: wire("network", "")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := unverified(&tc.resp, verifyErr)
			if tc.want == "" {
				if err != verifyErr {
					t.Fatalf("got %v, want the verification error", err)
				}
				return
			}
			if fault.KindOf(err) != fault.Network || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (%v), want a network error with %q", err, fault.KindOf(err), tc.want)
			}
		})
	}
}
