package store

import "testing"

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"bolt:///var/lib/approovd/approovd.db", "bolt:///var/lib/approovd/approovd.db", true},
		{"/var/lib/approovd/a.db", "bolt:///var/lib/approovd/a.db", true},
		{"bolt:///var/lib/../lib/a.db", "bolt:///var/lib/a.db", true},
		{"bolt://host/a.db", "", false},
		{"bolt://relative.db", "", false},
		{"bolt:relative.db", "", false},
		{"bolt:///dir/", "", false},
		{"bolt:///a.db?x=1", "", false},
		{"postgres://db/approov", "", false},
		{"relative.db", "", false},
		{"", "", false},
	} {
		u, err := ParseURL(tt.in)
		if (err == nil) != tt.ok || (tt.ok && u.String() != tt.want) {
			t.Errorf("ParseURL(%q) = %v, %v; want %q ok=%v", tt.in, u, err, tt.want, tt.ok)
		}
	}
}
