package ipa

import (
	"reflect"
	"sort"
)

// ungrantedEntitlements lists, sorted, the signed entitlements the profile
// does not grant, with the rules the OS applies: the profile must have the
// key; a string (or each string of an array) must match one of the
// profile's values for the key, which may be a string or an array of
// strings, each possibly ending in a "*" wildcard; any other value must be
// equal.
func ungrantedEntitlements(signed, granted map[string]any) []string {
	var out []string
	for k, v := range signed {
		g, ok := granted[k]
		if !ok || !entitlementGranted(v, g) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func entitlementGranted(v, granted any) bool {
	patterns, isPatterns := stringsOf(granted)
	switch x := v.(type) {
	case string:
		return isPatterns && anyMatches(patterns, x)
	case []any:
		if !isPatterns {
			return reflect.DeepEqual(v, granted)
		}
		for _, e := range x {
			s, ok := e.(string)
			if !ok || !anyMatches(patterns, s) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(v, granted)
}

// stringsOf returns a string or an array of strings as a list.
func stringsOf(v any) ([]string, bool) {
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func anyMatches(patterns []string, s string) bool {
	for _, p := range patterns {
		if appIDMatches(p, s) {
			return true
		}
	}
	return false
}
