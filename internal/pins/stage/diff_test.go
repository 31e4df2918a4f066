package stage_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
)

func TestCompareLines(t *testing.T) {
	a := set(3,
		dom("a.example", primary(p0), backup(p1)),
		dom("b.example", primary(p0), backup(p2)))
	b := set(3,
		withExpiry(dom("a.example", primary(p0), commented(primary(p1), "promoted"), backup(p2)), "2030-01-01"),
		withSubdomains(dom("c.example", primary(p3), backup(p4))))
	want := []string{
		"~ domain a.example",
		"    expires: none → 2030-01-01",
		`    ~ pin ` + p1.String() + `: label backup → primary, comment "" → "promoted"`,
		"    + pin " + p2.String() + " backup leaf",
		"- domain b.example",
		"    - pin " + p0.String() + " primary leaf",
		"    - pin " + p2.String() + " backup leaf",
		"+ domain c.example",
		"    include_subdomains: false → true",
		"    + pin " + p3.String() + " primary leaf",
		"    + pin " + p4.String() + " backup leaf",
	}
	d := stage.Compare(a, b)
	if got := d.Lines(); !slices.Equal(got, want) {
		t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d.String() != strings.Join(want, "\n")+"\n" {
		t.Errorf("String() %q", d.String())
	}
	if s := d.Domains[0].Summary(); !strings.Contains(s, "expires none → 2030-01-01; pin "+p1.String()+": label backup → primary") {
		t.Errorf("summary %q", s)
	}
}

func TestCompareJSON(t *testing.T) {
	out, err := json.Marshal(stage.Compare(set(1), set(1)))
	if err != nil || string(out) != `{"domains":[]}` {
		t.Fatalf("empty diff JSON %s (%v)", out, err)
	}
	out, _ = json.Marshal(stage.Compare(set(1, dom("a.example", primary(p0))), set(1, dom("a.example", backup(p0)))))
	want := `{"domains":[{"domain":"a.example","change":"changed","pins":[{"pin":"` + p0.String() +
		`","change":"changed","old":{"sha256":"` + p0.String() + `","label":"primary","type":"leaf"},"new":{"sha256":"` +
		p0.String() + `","label":"backup","type":"leaf"}}]}]}`
	if string(out) != want {
		t.Fatalf("JSON\n%s\nwant\n%s", out, want)
	}
}

func TestCompareIgnoresOrderAndVersion(t *testing.T) {
	a := set(1, dom("a.example", primary(p0), backup(p1)))
	b := set(9, dom("a.example", backup(p1), primary(p0)))
	if d := stage.Compare(a, b); !d.Empty() || !stage.Equal(a, b) {
		t.Fatalf("pin order or version counted as a change: %v", d.Lines())
	}
	if !stage.Equal(nil, set(4)) || stage.Equal(nil, a) {
		t.Fatal("nil is not the empty set")
	}
}

func TestApplyRefusesAStaleBase(t *testing.T) {
	base := set(1, dom("a.example", primary(p0), backup(p1)))
	tests := []struct {
		name   string
		target *pins.PinSet
		want   string
	}{
		{"domain already there", set(1, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p2))), "b.example: the diff expects it absent"},
		{"domain gone", set(1, dom("b.example", primary(p2))), "a.example: the diff expects it present"},
		{"pin changed", set(1, dom("a.example", primary(p0), primary(p1))), "it is primary leaf, the diff expects backup leaf"},
		{"option changed", set(1, withExpiry(dom("a.example", primary(p0), backup(p1)), "2031-01-01")), "expires is 2031-01-01, the diff expects none"},
	}
	next := set(1, dom("a.example", primary(p0), primary(p1)), dom("b.example", primary(p2)))
	next.Domains[0].Expires = "2030-01-01"
	d := stage.Compare(base, next)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stage.Apply(tt.target, d)
			wantKind(t, err, fault.Conflict, tt.want)
		})
	}
}

func TestValidate(t *testing.T) {
	ok := set(1, dom("a.example", primary(p0)))
	if err := stage.Validate(ok); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		set  *pins.PinSet
		want string
	}{
		{"no pins", set(1, dom("a.example")), "has no pins"},
		{"upper case", set(1, dom("A.example", primary(p0))), "not in canonical form"},
		{"no label", set(1, dom("a.example", pins.PinEntry{SHA256: p0, Type: pins.Leaf})), `pin 1: label ""`},
		{"bad comment", set(1, dom("a.example", commented(primary(p0), "a\x85b"))), "control characters"},
		{"bad type", set(1, dom("a.example", pins.PinEntry{SHA256: p0, Label: pins.Primary, Type: "ca"})), `type "ca"`},
		{"bad date", set(1, withExpiry(dom("a.example", primary(p0)), "soon")), "not a date"},
		{"empty-input pin", set(1, dom("a.example", primary(pins.EmptyInputPin))), "empty input"},
		{"twice", &pins.PinSet{Schema: 1, Domains: []pins.Domain{dom("a.example", primary(p0)), dom("a.example", primary(p1))}}, "appears twice"},
		{"duplicate pin", set(1, dom("a.example", primary(p0), backup(p0))), "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantKind(t, stage.Validate(tt.set), fault.Invalid, tt.want)
		})
	}
}
