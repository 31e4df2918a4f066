package pins

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/approov-cli/approov/internal/fault"
)

// TestLoadPinSetCountsBeforeBuilding: 300 KB of empty domain objects used to
// allocate 42 MB (140 times the input) before the domain count was checked;
// the same for pins within a domain.
func TestLoadPinSetCountsBeforeBuilding(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"domains", `{"schema":1,"domains":[` + strings.Repeat("{},", 100_000) + `{}]}`, "100001 domains; at most"},
		{"pins", `{"schema":1,"domains":[{"domain":"a.example","pins":[` + strings.Repeat("{},", 100_000) + `{}]}]}`, "100001 pins; at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			n := alloctest.Bytes(func() { _, _, err = LoadPinSet([]byte(tt.doc)) })
			if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v", err)
			}
			if n > 16*uint64(len(tt.doc)) {
				t.Errorf("loading %d bytes allocated %d", len(tt.doc), n)
			}
		})
	}
	for doc, want := range map[string]string{
		`{"schema":1,"domains":5}`:                                         "cannot unmarshal 5 into an array",
		`{"schema":1,"domains":[{"x":1}]}`:                                 `unknown field "x"`,
		`{"schema":1,"domains":null}`:                                      "",
		`{"schema":1,"domains":[{"domain":"a.example","pins":[{"y":2}]}]}`: `unknown field "y"`,
	} {
		_, _, err := LoadPinSet([]byte(doc))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: err = %v, want %q", doc, err, want)
		}
	}
}
