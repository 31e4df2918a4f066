package stage_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
)

func pinCandidate(p pins.Pin) stage.Candidate {
	return stage.Candidate{Pin: p, Type: pins.Leaf}
}

// mustEdit runs an edit, checks that the input was not modified, that the
// result is valid and that the reported diff is the real one.
func mustEdit(t *testing.T, in *pins.PinSet, fn func(*pins.PinSet) (stage.Edit, error)) stage.Edit {
	t.Helper()
	before := stage.Clone(in)
	e, err := fn(in)
	if err != nil {
		t.Fatal(err)
	}
	if !stage.Equal(in, before) || !slices.EqualFunc(in.Domains, before.Domains, func(a, b pins.Domain) bool { return slices.Equal(a.Pins, b.Pins) }) {
		t.Fatalf("the edit modified its input: %+v", in)
	}
	if err := stage.Validate(e.Set); err != nil {
		t.Fatalf("the edit made an invalid set: %v", err)
	}
	if got := stage.Compare(in, e.Set).Lines(); !slices.Equal(got, e.Diff.Lines()) {
		t.Fatalf("reported diff %q, real %q", e.Diff.Lines(), got)
	}
	if e.Set.BaseVersion != in.BaseVersion {
		t.Fatalf("base version %d, want %d", e.Set.BaseVersion, in.BaseVersion)
	}
	return e
}

func TestAdd(t *testing.T) {
	s := set(4, dom("a.example", primary(p0)))
	e := mustEdit(t, s, func(s *pins.PinSet) (stage.Edit, error) { return stage.Add(s, "B.Example.", pinCandidate(p1), "") })
	if want := []string{"+ domain b.example", "    + pin " + p1.String() + " primary leaf"}; !slices.Equal(e.Diff.Lines(), want) {
		t.Fatalf("diff %q", e.Diff.Lines())
	}
	c := stage.Candidate{Pin: p2, Type: pins.Intermediate, Comment: "Issuing CA", Warnings: []string{"w"}}
	e = mustEdit(t, s, func(s *pins.PinSet) (stage.Edit, error) { return stage.Add(s, "a.example", c, pins.Backup) })
	if got := e.Set.Domains[0].Pins[1]; got != (pins.PinEntry{SHA256: p2, Label: pins.Backup, Type: pins.Intermediate, Comment: "Issuing CA"}) || !slices.Equal(e.Notes, []string{"w"}) {
		t.Fatalf("added %+v, notes %q", got, e.Notes)
	}
	e = mustEdit(t, s, func(s *pins.PinSet) (stage.Edit, error) {
		return stage.Add(s, "a.example", pinCandidate(p0), pins.Backup)
	})
	if !e.Diff.Empty() || len(e.Notes) != 1 || !strings.Contains(e.Notes[0], "already has pin "+p0.String()+" (primary leaf)") {
		t.Fatalf("re-adding: diff %q, notes %q", e.Diff.Lines(), e.Notes)
	}
}

func TestAddRefuses(t *testing.T) {
	s := set(4, dom("a.example", primary(p0)))
	full := dom("full.example")
	for i := 0; i < pins.MaxPinsPerDomain; i++ {
		full.Pins = append(full.Pins, backup(keyPin(string(rune('A'+i)))))
	}
	tests := []struct {
		name   string
		set    *pins.PinSet
		domain string
		c      stage.Candidate
		label  pins.Label
		kind   fault.Kind
		want   string
	}{
		{"placeholder", s, "a.example", pinCandidate(pins.Pin{}), "", fault.Invalid, "placeholder"},
		{"bad host", s, "a b", pinCandidate(p1), "", fault.Invalid, "not a valid host name"},
		{"bad label", s, "a.example", pinCandidate(p1), "spare", fault.Usage, `label "spare"`},
		{"bad type", s, "a.example", stage.Candidate{Pin: p1, Type: "ca"}, "", fault.Invalid, `type "ca"`},
		{"too many pins", set(1, full), "full.example", pinCandidate(p1), "", fault.Invalid, "at most 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stage.Add(tt.set, tt.domain, tt.c, tt.label)
			wantKind(t, err, tt.kind, tt.want)
		})
	}
}

func TestRemove(t *testing.T) {
	s := set(4, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p2)))
	e := mustEdit(t, s, func(s *pins.PinSet) (stage.Edit, error) { return stage.Remove(s, "a.example", &p1) })
	if want := []string{"~ domain a.example", "    - pin " + p1.String() + " backup leaf"}; !slices.Equal(e.Diff.Lines(), want) {
		t.Fatalf("diff %q", e.Diff.Lines())
	}
	e = mustEdit(t, s, func(s *pins.PinSet) (stage.Edit, error) { return stage.Remove(s, "b.example", nil) })
	if len(e.Set.Domains) != 1 || e.Diff.Domains[0].Change != stage.Removed {
		t.Fatalf("domain removal %+v", e.Diff)
	}
	_, err := stage.Remove(s, "b.example", &p2)
	wantKind(t, err, fault.Invalid, "last pin of b.example: remove the domain instead")
	_, err = stage.Remove(s, "c.example", nil)
	wantKind(t, err, fault.Invalid, "domain c.example is not in the pin set")
	_, err = stage.Remove(s, "a.example", &p3)
	wantKind(t, err, fault.Invalid, "domain a.example has no pin "+p3.String())
}

func TestRotateAndRetire(t *testing.T) {
	k := newPKI(t)
	a, b := pins.Compute(k.leafA), pins.Compute(k.leafB)
	s := set(4, dom(api, primary(a)))
	_, err := stage.Rotate(s, "other.example", pinCandidate(b))
	wantKind(t, err, fault.Invalid, "not in the pin set")
	rotated := mustEdit(t, s, func(s *pins.PinSet) (stage.Edit, error) { return stage.Rotate(s, api, pinCandidate(b)) }).Set
	if got := rotated.Domains[0].Pins; !slices.Equal(got, []pins.PinEntry{primary(a), backup(b)}) {
		t.Fatalf("rotated %+v", got)
	}
	servesA, servesB := []stage.Observation{seen("x", k.chainA)}, []stage.Observation{seen("x", k.chainB)}
	_, err = stage.Retire(rotated, api, a, servesA)
	wantKind(t, err, fault.Invalid, "x still serves the key of pin "+a.String())
	_, err = stage.Retire(s, api, a, nil)
	wantKind(t, err, fault.Invalid, "last pin of "+api+": stage the next key first")
	e := mustEdit(t, rotated, func(s *pins.PinSet) (stage.Edit, error) { return stage.Retire(s, api, a, servesB) })
	if got := e.Set.Domains[0].Pins; !slices.Equal(got, []pins.PinEntry{primary(b)}) || !strings.Contains(e.Notes[0], "relabelled primary") {
		t.Fatalf("retired %+v, notes %q", got, e.Notes)
	}
	e = mustEdit(t, rotated, func(s *pins.PinSet) (stage.Edit, error) { return stage.Retire(s, api, a, nil) })
	if got := e.Set.Domains[0].Pins; !slices.Equal(got, []pins.PinEntry{backup(b)}) || !strings.Contains(e.Notes[0], "no pin labelled primary left") {
		t.Fatalf("retired offline %+v, notes %q", got, e.Notes)
	}
	if vs := stage.CheckInvariants(rotated, e.Set, stage.Live{api: servesB}, now); len(vs) != 0 {
		t.Fatalf("the rotation's last push breaks rules: %v", vs)
	}
}

func TestConfigure(t *testing.T) {
	s := set(4, dom("a.example", primary(p0)))
	yes, date, bad := true, "2030-01-31", "31/01/2030"
	e := mustEdit(t, s, func(s *pins.PinSet) (stage.Edit, error) {
		return stage.Configure(s, "a.example", stage.DomainOptions{IncludeSubdomains: &yes, Expires: &date})
	})
	if d := e.Set.Domains[0]; !d.IncludeSubdomains || d.Expires != date || len(e.Diff.Domains[0].Options) != 2 {
		t.Fatalf("configured %+v", e.Diff)
	}
	_, err := stage.Configure(s, "a.example", stage.DomainOptions{Expires: &bad})
	wantKind(t, err, fault.Invalid, "not a date")
}

func TestRevert(t *testing.T) {
	staged := set(9, dom("a.example", primary(p0)))
	old := set(3, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p2)))
	e := mustEdit(t, staged, func(s *pins.PinSet) (stage.Edit, error) { return stage.Revert(s, old) })
	if !stage.Equal(e.Set, old) || e.Set.BaseVersion != 9 || len(e.Diff.Domains) != 2 {
		t.Fatalf("reverted %+v", e)
	}
}
