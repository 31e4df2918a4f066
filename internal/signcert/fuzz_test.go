package signcert

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"
	"github.com/approov-cli/approov/internal/fault"
)

// The seed corpus in testdata/fuzz/FuzzParse comes from the fixtures
// (testdata/appsigncert/gen.sh). Run with a cap on minimisation:
//
//	go test -run XXX -fuzz '^FuzzParse$' -fuzztime 60s -fuzzminimizetime 2s ./internal/signcert/
func FuzzParse(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03})
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Certificate
		var err error
		alloctest.Bound(t, len(data), 64, allocSlack(data), func() { c, err = Parse(data, []byte("fixture-pass")) })
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		again, err := FromDER(c.DER)
		if err != nil || again.SHA256 != c.SHA256 || len(c.SHA256) != 64 {
			t.Fatalf("description does not match its DER: %v", err)
		}
	})
}

// allocSlack: PKCS#12 key derivation allocates a little per iteration (about
// 84 bytes for the legacy scheme), so the bound grows with the counts the
// file asks for, which MaxIterations caps.
func allocSlack(data []byte) uint64 {
	slack := uint64(1 << 20)
	counts, _ := iterationCounts(data)
	for _, n := range counts {
		slack += 256 * min(n, MaxIterations)
	}
	return slack
}

// checkFuzzErr: every rejection is Invalid, or Auth for the password, and one short line.
func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	if k := fault.KindOf(err); k != fault.Invalid && k != fault.Auth {
		t.Fatalf("kind %v: %v", k, err)
	}
	if msg := err.Error(); len(msg) > 1024 || strings.ContainsAny(msg, "\n\r\x1b") {
		t.Fatalf("error is not one short line: %q", msg)
	}
}
