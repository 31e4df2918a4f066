package pins_test

import (
	"testing"

	"github.com/approov-cli/approov/internal/pins"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in, want string
		ip       bool
	}{
		{"api.example.com", "api.example.com:443", false},
		{"API.Example.COM.", "api.example.com:443", false},
		{"api.example.com:8443", "api.example.com:8443", false},
		{"https://api.example.com/v1/x?y=z", "api.example.com:443", false},
		{"HTTPS://api.example.com:9443", "api.example.com:9443", false},
		{"127.0.0.1", "127.0.0.1:443", true},
		{"127.0.0.1:8443", "127.0.0.1:8443", true},
		{"::1", "[::1]:443", true},
		{"[::1]", "[::1]:443", true},
		{"[::1]:8443", "[::1]:8443", true},
		{"https://[2001:db8::1]:8443/", "[2001:db8::1]:8443", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := pins.ParseTarget(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want || got.IsIP() != tt.ip {
				t.Errorf("got %s (ip %v), want %s (ip %v)", got, got.IsIP(), tt.want, tt.ip)
			}
		})
	}
	for _, bad := range []string{"", "http://api.example.com", "api.example.com:0", "api.example.com:99999",
		"api.example.com:https", "bad host", "-bad.example.com", "a..b", "ex\u00e4mple.com", "fe80::1%eth0", "a:b:c:"} {
		if got, err := pins.ParseTarget(bad); err == nil {
			t.Errorf("%q accepted as %s", bad, got)
		}
	}
}
