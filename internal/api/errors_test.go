package api

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
)

func TestWireErrorRoundTrip(t *testing.T) {
	for k := fault.Internal; k <= fault.Cancelled; k++ {
		err := fault.WithHint(fault.New(k, "boom %d", k), "try this")
		back := ToWire(err).Err()
		if fault.KindOf(back) != k || back.Error() != err.Error() || fault.HintOf(back) != "try this" {
			t.Errorf("kind %v: got %v (%v, %q)", k, back, fault.KindOf(back), fault.HintOf(back))
		}
	}
	limited := &RateLimitError{Err: fault.New(fault.Auth, "slow down"), After: 1500 * time.Millisecond}
	back := ToWire(limited).Err()
	if d, ok := RetryAfter(back); !ok || d != 2*time.Second || fault.KindOf(back) != fault.Auth {
		t.Errorf("rate limit: %v, %v, %v", back, d, ok)
	}
	skewed := &auth.SkewError{Skew: time.Hour, Err: fault.New(fault.Auth, "late")}
	w := ToWire(skewed)
	var s *auth.SkewError
	if w.Code != CodeClockSkew || !errors.As(w.Err(), &s) || fault.KindOf(w.Err()) != fault.Auth {
		t.Errorf("skew: %+v", w)
	}
	if (WireError{Kind: "nonsense", Message: "m"}).Err() == nil || fault.KindOf((WireError{Kind: "nonsense"}).Err()) != fault.Internal {
		t.Error("an unknown kind must decode as internal")
	}
}

// An error answer is printed to the user's terminal: control characters
// (escape sequences) are removed, lengths and retry-after bounded.
func TestWireErrorSanitized(t *testing.T) {
	w := WireError{Kind: "auth", Message: "bad\x1b]0;pwned\x07\x1b[2J news\nsecond line", Hint: "run \x1b[31mthis", RetryAfter: 1 << 62}
	err := w.Err()
	for _, s := range []string{err.Error(), fault.HintOf(err)} {
		for _, r := range s {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control character %U kept in %q", r, s)
			}
		}
	}
	if d, ok := RetryAfter(err); !ok || d <= 0 || d > 24*time.Hour {
		t.Errorf("retry-after %v not bounded", d)
	}
	long := WireError{Kind: "auth", Message: strings.Repeat("x", 10_000)}.Err()
	if len(long.Error()) > 1100 {
		t.Errorf("message of %d bytes not bounded", len(long.Error()))
	}
}
