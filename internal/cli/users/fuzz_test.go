package users

import (
	"testing"

	"github.com/approov-cli/approov/internal/fault"
)

// FuzzParseExpiry: --expires never panics and never yields a past time.
func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"30d", "2w", "36h", "2027-01-31", "2027-01-31T00:00:00Z", "-1d", "999999999999d", "1e9h", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		exp, err := parseExpiry(s, now)
		if err != nil && fault.KindOf(err) != fault.Usage {
			t.Fatalf("--expires %q: error of kind %v: %v", s, fault.KindOf(err), err)
		}
		if err == nil && s != "" && !exp.After(now) {
			t.Fatalf("--expires %q gave %v, not in the future", s, exp)
		}
	})
}
