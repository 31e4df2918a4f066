package monitoring

import (
	"strconv"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// parseSince reads --since: "" (everything kept), an RFC 3339 time, a Go
// duration back from now (36h) or whole days (7d).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, aerr := strconv.Atoi(days)
		d, err = time.Duration(n)*24*time.Hour, aerr
		if n > 3650 || strconv.Itoa(n) != days {
			err = strconv.ErrRange
		}
	}
	if err != nil || d <= 0 {
		return time.Time{}, cmdutil.FlagErrorf("--since %q: want a duration such as 24h or 7d, or an RFC 3339 time such as 2026-11-01T00:00:00Z", s)
	}
	return now.Add(-d).UTC(), nil
}
