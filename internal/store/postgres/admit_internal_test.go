package postgres

import (
	"testing"

	"github.com/approov-cli/approov/internal/store"
)

// TestAdmitGroupOutcomes: within one statement, a repeated key is sent
// once and only its first admission may be inserted; each live sum grows
// by the inserted admissions of its range ahead of it, not by refused ones.
func TestAdmitGroupOutcomes(t *testing.T) {
	r1 := store.Range{Bucket: store.NonceCounts, Start: "a|", End: "a}"}
	r2 := store.Range{Bucket: store.NonceCounts, Start: "b|", End: "b}"}
	call := func(key string, r store.Range) *admitCall {
		return &admitCall{a: store.Admission{Insert: store.Key{Bucket: store.Nonces, Key: key}, Live: r}}
	}
	g := newAdmitGroup([]*admitCall{call("k1", r1), call("k2", r2), call("k1", r1), call("k3", r1), call("k4", r1)})
	if len(g.keys) != 4 {
		t.Fatalf("%d distinct keys sent, want 4", len(g.keys))
	}
	g.reset()
	g.inserted = []bool{true, true, false, true} // k3 was there already (a replay of an earlier request)
	g.live = []int64{5, 7}
	want := []store.Admitted{{Inserted: true, Live: 5}, {Inserted: true, Live: 7}, {Live: 6}, {Live: 6}, {Inserted: true, Live: 6}}
	for i, got := range g.outcomes() {
		if got != want[i] {
			t.Errorf("admission %d: %+v, want %+v", i, got, want[i])
		}
	}
}
