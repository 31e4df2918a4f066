package ipa

import (
	"slices"
	"strconv"
	"testing"
)

func TestUngrantedEntitlements(t *testing.T) {
	granted := map[string]any{
		"application-identifier":                  "TEAM.*",
		"keychain-access-groups":                  []any{"TEAM.*"},
		"get-task-allow":                          true,
		"com.apple.developer.associated-domains":  "*",
		"com.apple.developer.icloud-environment":  []any{"Development", "Production"},
		"com.apple.security.application-groups":   []any{"group.a", "group.b"},
		"com.apple.developer.nfc.readersession":   []any{"NDEF"},
		"com.apple.developer.healthkit.access":    []any{},
		"com.apple.developer.default-data-policy": map[string]any{"x": "y"},
	}
	tests := []struct {
		signed map[string]any
		want   []string
	}{
		{map[string]any{"application-identifier": "TEAM.com.example", "get-task-allow": true}, nil},
		{map[string]any{"keychain-access-groups": []any{"TEAM.com.example", "TEAM.shared"}}, nil},
		{map[string]any{"com.apple.developer.associated-domains": []any{"applinks:example.com"}}, nil},
		{map[string]any{"com.apple.developer.icloud-environment": "Production"}, nil},
		{map[string]any{"com.apple.security.application-groups": []any{"group.a"}}, nil},
		{map[string]any{"com.apple.developer.default-data-policy": map[string]any{"x": "y"}}, nil},
		{map[string]any{"get-task-allow": false}, []string{"get-task-allow"}},
		{map[string]any{"aps-environment": "production"}, []string{"aps-environment"}},
		{map[string]any{"application-identifier": "OTHER.com.example"}, []string{"application-identifier"}},
		{map[string]any{"com.apple.security.application-groups": []any{"group.a", "group.c"}}, []string{"com.apple.security.application-groups"}},
		{map[string]any{"keychain-access-groups": []any{1}}, []string{"keychain-access-groups"}},
		{map[string]any{"com.apple.developer.healthkit.access": []any{"x"}}, []string{"com.apple.developer.healthkit.access"}},
	}
	for _, tt := range tests {
		if got := ungrantedEntitlements(tt.signed, granted); !slices.Equal(got, tt.want) {
			t.Errorf("ungranted(%v) = %v, want %v", tt.signed, got, tt.want)
		}
	}
}

// TestGrantMatcherAgreesWithAppIDMatches: the set-and-sorted-prefix matcher
// gives the answer of trying every pattern with appIDMatches.
func TestGrantMatcherAgreesWithAppIDMatches(t *testing.T) {
	patterns := []string{"*", "a*", "ab*", "abc", "b", "ba*", "c*", "cd*", "", "x**", "TEAM.com.*", "TEAM.com.example"}
	values := []string{"", "a", "ab", "abc", "abd", "b", "ba", "bb", "c", "cde", "x", "x*", "x*y", "TEAM.com", "TEAM.com.", "TEAM.com.example", "z"}
	for mask := 0; mask < 1<<len(patterns); mask += 7 { // a spread of subsets
		var ps []string
		for i, p := range patterns {
			if mask&(1<<i) != 0 {
				ps = append(ps, p)
			}
		}
		m := newGrantMatcher(ps)
		for _, v := range values {
			want := slices.ContainsFunc(ps, func(p string) bool { return appIDMatches(p, v) })
			if got := m.matches(v); got != want {
				t.Fatalf("patterns %q, value %q: got %v, want %v", ps, v, got, want)
			}
		}
	}
}

// TestUngrantedEntitlementsLargeArrays: 50,000 signed values each matched
// by the last of 50,000 wildcards; trying every pattern for every value
// took half a minute (4.5 s at 20,000 of each).
func TestUngrantedEntitlementsLargeArrays(t *testing.T) {
	const n = 50_000
	signed, granted := make([]any, n), make([]any, n+1)
	for i := range n {
		signed[i], granted[i] = "z"+strconv.Itoa(i), "g"+strconv.Itoa(i)+"*"
	}
	granted[n] = "z*"
	if got := ungrantedEntitlements(map[string]any{"k": signed}, map[string]any{"k": granted}); len(got) != 0 {
		t.Fatalf("ungranted %v", got)
	}
	signed[n-1] = "y"
	if got := ungrantedEntitlements(map[string]any{"k": signed}, map[string]any{"k": granted}); !slices.Equal(got, []string{"k"}) {
		t.Fatalf("ungranted %v", got)
	}
}

func TestListSome(t *testing.T) {
	if got := listSome([]string{"a", "b", "c"}, 2); got != "a, b and 1 more" {
		t.Errorf("got %q", got)
	}
	if got := listSome([]string{"a", "b"}, 2); got != "a, b" {
		t.Errorf("got %q", got)
	}
}
