package cmdutil

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseWhen reads a time flag such as --since or --until: "" (the zero
// time: unset), an RFC 3339 time, or a duration back from now: Go's (36h,
// 90m) or whole days and weeks (7d, 2w). flag names it in the error.
func ParseWhen(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := parseAgo(s)
	if err != nil || d <= 0 {
		return time.Time{}, FlagErrorf("%s %q: want a duration such as 24h or 7d, or an RFC 3339 time such as 2026-11-01T00:00:00Z", flag, s)
	}
	return now.Add(-d).UTC(), nil
}

func parseAgo(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 || v > 36_500 || strconv.Itoa(v) != n {
				return 0, fmt.Errorf("bad number of days or weeks")
			}
			return time.Duration(v) * unit, nil
		}
	}
	return time.ParseDuration(s)
}
