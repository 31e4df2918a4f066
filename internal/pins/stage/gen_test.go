package stage_test

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
)

// The generator decodes pin sets from bytes over small pools of domains,
// pins and values, so that random or fuzzed bytes give sets that overlap
// often enough for merges to be interesting. Exhausted input reads as zeros.

var (
	genDomains  = []string{"a.example", "b.example", "c.example"}
	genPins     = []pins.Pin{keyPin("k0"), keyPin("k1"), keyPin("k2"), keyPin("k3"), keyPin("k4")}
	genExpires  = []string{"", "2030-01-01", "2031-06-30", "2029-12-31"}
	genComments = []string{"", "old key", "next key", "emergency"}
	genTypes    = []pins.Position{pins.Leaf, pins.Intermediate, pins.Root}
)

func keyPin(s string) pins.Pin { return pins.Pin(sha256.Sum256([]byte(s))) }

type byteReader struct{ data []byte }

func (r *byteReader) next() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

// decodeSets returns base, theirs and yours: theirs and yours are mutations of base.
func decodeSets(data []byte) (base, theirs, yours *pins.PinSet) {
	r := &byteReader{data: data}
	base = decodeSet(r)
	return base, mutateSet(r, base), mutateSet(r, base)
}

func decodeSet(r *byteReader) *pins.PinSet {
	set := &pins.PinSet{Schema: pins.SchemaVersion, BaseVersion: uint64(r.next()), Domains: []pins.Domain{}}
	for _, name := range genDomains {
		if d, ok := decodeDomain(r, name); ok {
			set.Domains = append(set.Domains, d)
		}
	}
	return set
}

func decodeDomain(r *byteReader, name string) (pins.Domain, bool) {
	v := r.next()
	if v&1 == 0 {
		return pins.Domain{}, false
	}
	d := pins.Domain{Name: name, IncludeSubdomains: v&2 != 0, Expires: genExpires[(v>>2)&3]}
	mask := r.next() & 31
	if mask == 0 {
		mask = 1
	}
	for i, p := range genPins {
		if mask&(1<<i) != 0 {
			d.Pins = append(d.Pins, decodeEntry(r, p))
		}
	}
	return d, true
}

func decodeEntry(r *byteReader, p pins.Pin) pins.PinEntry {
	w := r.next()
	label := pins.Primary
	if w&1 != 0 {
		label = pins.Backup
	}
	return pins.PinEntry{SHA256: p, Label: label, Type: genTypes[int(w>>1)%3], Comment: genComments[(w>>3)&3]}
}

// mutateSet keeps, replaces, removes or edits each domain of the pool.
func mutateSet(r *byteReader, base *pins.PinSet) *pins.PinSet {
	out := &pins.PinSet{Schema: pins.SchemaVersion, BaseVersion: base.BaseVersion + uint64(r.next()%3), Domains: []pins.Domain{}}
	for _, name := range genDomains {
		if d, ok := mutateDomain(r, base, name); ok {
			out.Domains = append(out.Domains, d)
		}
	}
	return out
}

func mutateDomain(r *byteReader, base *pins.PinSet, name string) (pins.Domain, bool) {
	var old *pins.Domain
	for i := range base.Domains {
		if base.Domains[i].Name == name {
			old = &base.Domains[i]
		}
	}
	switch op := r.next() % 4; {
	case op == 2 || (op == 3 && old == nil):
		return decodeDomain(r, name)
	case op == 3:
		return editDomain(r, *old), true
	case old == nil:
		return pins.Domain{}, false
	}
	return cloneDomain(*old), true
}

// editDomain flips options and toggles or edits single pins, keeping one pin.
func editDomain(r *byteReader, d pins.Domain) pins.Domain {
	v := r.next()
	d = cloneDomain(d)
	d.IncludeSubdomains = d.IncludeSubdomains != (v&1 != 0)
	if v&2 != 0 {
		d.Expires = genExpires[(v>>2)&3]
	}
	for _, p := range genPins {
		d.Pins = editPin(r, d.Pins, p)
	}
	if len(d.Pins) == 0 {
		d.Pins = append(d.Pins, decodeEntry(r, genPins[0]))
	}
	return d
}

func editPin(r *byteReader, ps []pins.PinEntry, p pins.Pin) []pins.PinEntry {
	j := -1
	for i, e := range ps {
		if e.SHA256 == p {
			j = i
		}
	}
	switch op := r.next() % 4; {
	case op == 2 && j >= 0:
		return append(ps[:j], ps[j+1:]...)
	case op == 2:
		return append(ps, decodeEntry(r, p))
	case op == 3 && j >= 0:
		ps[j] = decodeEntry(r, p)
	}
	return ps
}

func cloneDomain(d pins.Domain) pins.Domain {
	d.Pins = append([]pins.PinEntry(nil), d.Pins...)
	return d
}

// randomBytes is a deterministic source for property tests.
func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

// forEachRandom runs fn over n deterministic random triples.
func forEachRandom(t *testing.T, n int, fn func(t *testing.T, base, theirs, yours *pins.PinSet)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		b, th, y := decodeSets(randomBytes(rng, 96))
		for _, s := range []*pins.PinSet{b, th, y} {
			if err := stage.Validate(s); err != nil {
				t.Fatalf("generator made an invalid set: %v", err)
			}
		}
		fn(t, b, th, y)
	}
}
