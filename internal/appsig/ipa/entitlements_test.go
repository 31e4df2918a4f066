package ipa

import (
	"slices"
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
