package cmdutil

import (
	"fmt"
	"strings"
	"time"
)

// ParseDays reads a duration flag: time.ParseDuration's units plus d (days)
// and w (weeks), e.g. 30d, 2w, 36h, 90s.
func ParseDays(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			var v int
			if _, err := fmt.Sscanf(n, "%d", &v); err != nil || fmt.Sprint(v) != n || v > 36500 {
				return 0, fmt.Errorf("bad number")
			}
			return time.Duration(v) * unit, nil
		}
	}
	return time.ParseDuration(s)
}
