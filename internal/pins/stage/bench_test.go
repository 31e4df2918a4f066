package stage_test

import (
	"fmt"
	"testing"

	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
)

// The library's share of a push of 1,000 domains (the service's budget is
// 200 ms for the whole push):
//
//	go test -run XXX -bench . -benchtime 20x ./internal/pins/stage/

func thousandDomains() *pins.PinSet {
	s := set(1)
	for i := 0; i < pins.MaxDomains; i++ {
		s.Domains = append(s.Domains, dom(fmt.Sprintf("d%04d.example", i),
			primary(keyPin(fmt.Sprint(i))), backup(keyPin(fmt.Sprint(i, "b")))))
	}
	return s
}

// BenchmarkRebase1000 merges one change on each side into 1,000 domains.
func BenchmarkRebase1000(b *testing.B) {
	base := thousandDomains()
	theirs, yours := stage.Clone(base), stage.Clone(base)
	theirs.Domains[3].Pins = append(theirs.Domains[3].Pins, backup(p0))
	yours.Domains[5].Expires = "2030-01-01"
	for b.Loop() {
		if _, cs := stage.Merge(base, theirs, yours); len(cs) > 0 {
			b.Fatal(cs)
		}
	}
}

// BenchmarkPushChecks1000 is what a push of 1,000 domains costs the service
// offline: the diff for the audit log and every invariant.
func BenchmarkPushChecks1000(b *testing.B) {
	old := thousandDomains()
	next := stage.Clone(old)
	next.Domains[7].Pins = append(next.Domains[7].Pins, backup(p1))
	for b.Loop() {
		_ = stage.Compare(old, next)
		if vs := stage.CheckInvariants(old, next, nil, now); len(vs) > 0 {
			b.Fatal(vs)
		}
	}
}
