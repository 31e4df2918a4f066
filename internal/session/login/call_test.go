package login_test

import (
	"context"
	"errors"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

func TestCall(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCalls  int
		wantKept   bool // the stored session survives
		wantAnswer string
	}{
		{name: "answer", wantCalls: 1, wantKept: true, wantAnswer: "demo"},
		{name: "refused", err: fault.New(fault.Permission, "no"), wantCalls: 1, wantKept: true},
		// A reused session the service no longer knows is dropped and a new
		// login tried; with no terminal for its password the call fails.
		{name: "dead session", err: fault.New(fault.Auth, "session ended"), wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := logintest.LiveManager(t, nil, role.Admin)
			ctx := context.WithValue(context.Background(), ctxKey{}, "mine")
			calls := 0
			got, err := login.Call(ctx, m, func(ctx context.Context, c login.Conn) (string, error) {
				calls++
				if ctx.Value(ctxKey{}) != "mine" || c.Caller.Session != "ses_test" {
					t.Errorf("fn got ctx %v, caller %+v", ctx, c.Caller)
				}
				if tt.err != nil {
					return "half-made", tt.err
				}
				return c.Target.Account.ID, nil
			})
			if (err == nil) != (tt.err == nil) || got != tt.wantAnswer || calls != tt.wantCalls {
				t.Fatalf("Call = %q, %v after %d calls; want %q after %d", got, err, calls, tt.wantAnswer, tt.wantCalls)
			}
			if tt.err != nil && tt.name != "dead session" && !errors.Is(err, tt.err) {
				t.Errorf("err %v, want the fn's error", err)
			}
			st, err := m.State(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if kept := st.Session("demo", role.Admin) != nil; kept != tt.wantKept {
				t.Errorf("session kept = %v, want %v", kept, tt.wantKept)
			}
		})
	}
}

type ctxKey struct{}
