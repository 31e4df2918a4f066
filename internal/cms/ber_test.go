package cms

import (
	"bytes"
	"strings"
	"testing"
)

func TestCheckBER(t *testing.T) {
	deep := func(n int, indefinite bool) []byte {
		var b []byte
		for i := 0; i < n; i++ {
			if indefinite {
				b = append(b, 0x30, 0x80)
			} else {
				b = append([]byte{0x30, byte(len(b))}, b...)
			}
		}
		if indefinite {
			b = append(b, bytes.Repeat([]byte{0, 0}, n)...)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want string // "" = accepted
	}{
		{"der", []byte{0x30, 0x03, 0x02, 0x01, 0x05}, ""},
		{"indefinite", []byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00}, ""},
		{"long length", append([]byte{0x04, 0x81, 0x80}, make([]byte, 128)...), ""},
		{"high tag", []byte{0x1f, 0x81, 0x01, 0x00}, ""},
		{"padding", []byte{0x05, 0x00, 0x00, 0x00}, ""},
		{"nested ok", deep(MaxBERDepth, true), ""},
		{"too deep", deep(MaxBERDepth+1, true), "nested too deeply"},
		{"too deep definite", deep(MaxBERDepth+1, false), "nested too deeply"},
		{"length past end", []byte{0x30, 0x05, 0x02}, "malformed"},
		{"indefinite primitive", []byte{0x04, 0x80, 0x00, 0x00}, "malformed"},
		{"no EOC", []byte{0x30, 0x80, 0x02, 0x01, 0x05}, "malformed"},
		{"huge length", []byte{0x30, 0x85, 1, 1, 1, 1, 1}, "malformed"},
		{"trailing", []byte{0x05, 0x00, 0x01}, "data after"},
		{"empty", nil, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBER(tt.in)
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("CheckBER = %v, want %q", err, tt.want)
			}
		})
	}
}
