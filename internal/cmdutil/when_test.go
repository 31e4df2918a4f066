package cmdutil

import (
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, true},
		{"36h", now.Add(-36 * time.Hour), true},
		{"7d", now.AddDate(0, 0, -7), true},
		{"2w", now.AddDate(0, 0, -14), true},
		{"2026-11-01T00:00:00+01:00", time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC), true},
		{"-3h", time.Time{}, false},
		{"0d", time.Time{}, false},
		{"07d", time.Time{}, false},
		{"99999d", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseWhen("--until", tt.in, now)
		if tt.ok != (err == nil) || !got.Equal(tt.want) {
			t.Errorf("ParseWhen(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && fault.KindOf(err) != fault.Usage {
			t.Errorf("ParseWhen(%q): %v is not a usage error", tt.in, err)
		}
	}
}
