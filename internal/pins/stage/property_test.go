package stage_test

import (
	"crypto/sha256"
	"slices"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
)

// Seed corpora: testdata/fuzz/FuzzMerge and FuzzValidate (committed). Run with
//
//	go test -run XXX -fuzz '^FuzzMerge$' -fuzztime 60s ./internal/pins/stage/
//	go test -run XXX -fuzz '^FuzzValidate$' -fuzztime 60s ./internal/pins/stage/

func FuzzMerge(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{7, 1, 3, 0, 0, 0, 0, 0, 0, 1, 3, 3, 2, 2, 2, 2, 2, 1, 3, 3, 3, 2, 2, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, th, y := decodeSets(data)
		checkMergeProperties(t, b, th, y)
	})
}

func TestMergeProperties(t *testing.T) {
	forEachRandom(t, 600, func(t *testing.T, b, th, y *pins.PinSet) {
		checkMergeProperties(t, b, th, y)
	})
}

// checkMergeProperties states what every merge must satisfy.
func checkMergeProperties(t *testing.T, b, th, y *pins.PinSet) {
	t.Helper()
	for _, x := range []*pins.PinSet{th, y} {
		mustMergeTo(t, "merge(base, x, x) == x", b, x, x, x)
		mustMergeTo(t, "merge(base, base, x) == x", b, b, x, x)
		mustMergeTo(t, "merge(base, x, base) == x", b, x, b, x)
	}
	m, cs := stage.Merge(b, th, y)
	m2, cs2 := stage.Merge(b, y, th)
	checkSymmetric(t, cs, cs2)
	if len(cs) == 0 {
		checkClean(t, b, th, y, m, m2)
	}
	checkApply(t, b, th)
	checkApply(t, th, y)
	for _, l := range stage.Summarize(b, th, y).Lines() {
		if strings.ContainsAny(l, "\n\r") {
			t.Fatalf("summary line %q is not one line", l)
		}
	}
}

func mustMergeTo(t *testing.T, law string, b, th, y, want *pins.PinSet) {
	t.Helper()
	got, cs := stage.Merge(b, th, y)
	if len(cs) > 0 || !stage.Equal(got, want) {
		t.Fatalf("%s fails: conflicts %v\nbase %+v\ntheirs %+v\nyours %+v\ngot %+v", law, cs, b, th, y, got)
	}
}

// checkSymmetric: swapping theirs and yours swaps the conflicts' sides.
func checkSymmetric(t *testing.T, cs, cs2 []stage.Conflict) {
	t.Helper()
	if len(cs) != len(cs2) {
		t.Fatalf("merge is not symmetric: %d vs %d conflicts: %v / %v", len(cs), len(cs2), cs, cs2)
	}
	for i := range cs {
		c := cs2[i]
		c.Theirs, c.Yours = c.Yours, c.Theirs
		if c != cs[i] {
			t.Fatalf("swapped conflict %+v, want %+v", cs2[i], cs[i])
		}
		if s := cs[i].String(); s == "" || strings.ContainsAny(s, "\n\r") {
			t.Fatalf("conflict text %q", s)
		}
	}
}

// checkClean: a clean merge is valid, symmetric, and keeps each side's
// domain wherever the other side left the base alone.
func checkClean(t *testing.T, b, th, y, m, m2 *pins.PinSet) {
	t.Helper()
	if err := stage.Validate(m); err != nil {
		t.Fatalf("merged set is invalid: %v", err)
	}
	if !stage.Equal(m, m2) {
		t.Fatalf("merge(b, t, y) != merge(b, y, t):\n%+v\n%+v", m, m2)
	}
	if m.BaseVersion != th.BaseVersion {
		t.Fatalf("merged base version %d, want theirs' %d", m.BaseVersion, th.BaseVersion)
	}
	for _, dd := range stage.Compare(b, y).Domains {
		if !touches(stage.Compare(b, th), dd.Domain) && !sameIn(m, y, dd.Domain) {
			t.Fatalf("domain %s: only yours changed it, the merge lost the change", dd.Domain)
		}
	}
}

func touches(d stage.Diff, name string) bool {
	for _, dd := range d.Domains {
		if dd.Domain == name {
			return true
		}
	}
	return false
}

// sameIn reports whether a and b have the same content for one domain.
func sameIn(a, b *pins.PinSet, name string) bool {
	return stage.Compare(only(a, name), only(b, name)).Empty()
}

func only(s *pins.PinSet, name string) *pins.PinSet {
	out := &pins.PinSet{Schema: pins.SchemaVersion}
	for _, d := range s.Domains {
		if d.Name == name {
			out.Domains = append(out.Domains, d)
		}
	}
	return out
}

// checkApply: diff(a, b) applied to a gives b, and the diff of a set with
// itself is empty.
func checkApply(t *testing.T, a, b *pins.PinSet) {
	t.Helper()
	d := stage.Compare(a, b)
	got, err := stage.Apply(a, d)
	if err != nil || !stage.Equal(got, b) {
		t.Fatalf("apply(a, diff(a, b)) != b: %v\na %+v\nb %+v\ndiff %+v", err, a, b, d)
	}
	if !stage.Compare(b, b).Empty() || stage.Equal(a, b) != d.Empty() {
		t.Fatalf("Equal and an empty diff disagree: %+v", d)
	}
}

// FuzzValidate holds Validate to the loader: a one-domain set passes
// Validate exactly when writing it and loading it back gives it unchanged.
func FuzzValidate(f *testing.F) {
	f.Add("api.example.com", "2030-01-31", "backup", "leaf", "next key", []byte{}, uint8(2))
	f.Add("API.example.com.", "2030-1-31", "", "ca", "bad\x00comment", pins.EmptyInputPin[:], uint8(5))
	f.Add("a.example", "", "primary", "root", "\xff", make([]byte, 32), uint8(1))
	f.Fuzz(func(t *testing.T, name, expires, label, typ, comment string, pin []byte, n uint8) {
		d := fuzzDomain(name, expires, label, typ, comment, pin, n)
		one := &pins.PinSet{Schema: pins.SchemaVersion, Domains: []pins.Domain{d}}
		err := stage.Validate(one)
		if want := roundTrips(t, d); (err == nil) != want {
			t.Fatalf("Validate says %v, the loader round trip says %v, for %+v", err, want, d)
		}
		if err != nil && (fault.KindOf(err) != fault.Invalid || strings.ContainsAny(err.Error(), "\n\r")) {
			t.Fatalf("error %q of kind %v", err, fault.KindOf(err))
		}
	})
}

func fuzzDomain(name, expires, label, typ, comment string, pin []byte, n uint8) pins.Domain {
	d := pins.Domain{Name: name, Expires: expires, IncludeSubdomains: n&8 != 0}
	for i := 0; i < int(n%4); i++ {
		p := pins.Pin(sha256.Sum256(append(slices.Clone(pin), byte(i))))
		if i == 0 && len(pin) == len(p) {
			p = pins.Pin(pin)
		}
		d.Pins = append(d.Pins, pins.PinEntry{SHA256: p, Label: pins.Primary, Type: pins.Leaf})
	}
	if len(d.Pins) > 0 {
		d.Pins[0] = pins.PinEntry{SHA256: d.Pins[0].SHA256, Label: pins.Label(label), Type: pins.Position(typ), Comment: comment}
	}
	if n&4 != 0 && len(d.Pins) > 0 {
		d.Pins = append(d.Pins, d.Pins[0])
	}
	return d
}

// roundTrips is the oracle: the file format's own verdict.
func roundTrips(t *testing.T, d pins.Domain) bool {
	data, err := (&pins.PinSet{Schema: pins.SchemaVersion, Domains: []pins.Domain{d}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := pins.LoadPinSet(data)
	if err != nil {
		return false
	}
	back := got.Domains[0]
	return back.Name == d.Name && back.Expires == d.Expires && back.IncludeSubdomains == d.IncludeSubdomains && slices.Equal(back.Pins, d.Pins)
}
