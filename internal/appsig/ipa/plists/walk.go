package plists

import (
	"fmt"
	"math"
	"time"
)

// Depth returns the nesting depth of a decoded plist value (0 for a
// scalar), as a second, decoder-independent bound.
func Depth(v any) int {
	switch x := v.(type) {
	case map[string]any:
		d := 0
		for _, e := range x {
			d = max(d, Depth(e))
		}
		return d + 1
	case []any:
		d := 0
		for _, e := range x {
			d = max(d, Depth(e))
		}
		return d + 1
	}
	return 0
}

// JSON converts a decoded plist value to a value encoding/json renders
// deterministically: data becomes lowercase hex, dates RFC 3339 UTC, and
// NaN or infinite reals (valid in a plist, not in JSON) strings.
func JSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = JSON(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = JSON(e)
		}
		return a
	case []byte:
		return fmt.Sprintf("%x", x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) { // JSON has no NaN or infinity
			return fmt.Sprint(x)
		}
	case float32:
		return JSON(float64(x))
	}
	return v
}
