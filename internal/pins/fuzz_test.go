package pins_test

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Seed corpora live in testdata/fuzz/<Target>/ (committed); the f.Add seeds
// below cover the forms the corpus files do not. Run a target with a cap on
// minimisation, which otherwise stalls for minutes on multi-KiB certificates:
//
//	go test -run XXX -fuzz '^FuzzLoadCertificates$' -fuzztime 60s -fuzzminimizetime 2s ./internal/pins/

func FuzzLoadCertificates(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var certs []*x509.Certificate
		var err error
		checkAlloc(t, data, func() { certs, err = pins.LoadCertificates(data) })
		if err != nil {
			checkErr(t, err)
			return
		}
		if len(certs) == 0 || len(certs) > pins.MaxCertificates {
			t.Fatalf("%d certificates", len(certs))
		}
		_ = pins.FileInfo(certs)
	})
}

func FuzzParsePin(f *testing.F) {
	for _, s := range []string{goodPin, "sha256/" + goodPin, "sha1/AAAA", "", strings.Repeat("ab", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, _, err := pins.Parse(s)
		if err != nil {
			checkErr(t, err)
			return
		}
		q, _, err := pins.Parse(p.String())
		if err != nil || q != p {
			t.Fatalf("canonical form %s does not round-trip: %v", p, err)
		}
	})
}

func FuzzLoadPinSet(f *testing.F) {
	f.Add([]byte(`{"schema":1,"domains":[]}`))
	f.Add([]byte(`{"schema":1,"domains":[{},{},{"pins":[{},{}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var set *pins.PinSet
		var err error
		checkAlloc(t, data, func() { set, _, err = pins.LoadPinSet(data) })
		if err != nil {
			checkErr(t, err)
			return
		}
		out, err := set.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, _, err := pins.LoadPinSet(out)
		if err != nil {
			t.Fatalf("canonical output does not load: %v\n%s", err, out)
		}
		out2, _ := again.Marshal()
		if string(out) != string(out2) {
			t.Fatalf("canonical form is not stable:\n%s\n%s", out, out2)
		}
	})
}

// checkAlloc fails when fn, parsing data, allocates far more than its size
// (slack for the fuzzing engine's own concurrent allocations).
func checkAlloc(t *testing.T, data []byte, fn func()) {
	t.Helper()
	alloctest.Bound(t, len(data), 64, 1<<20, fn)
}

// checkErr: every rejection is an Invalid error of one short printable line.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if fault.KindOf(err) != fault.Invalid {
		t.Fatalf("kind %v: %v", fault.KindOf(err), err)
	}
	msg := err.Error()
	if len(msg) > 1024 || strings.ContainsAny(msg, "\n\r\x1b") {
		t.Fatalf("error is not one short line: %q", msg)
	}
}
