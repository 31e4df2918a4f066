package stage_test

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
	"github.com/approov-cli/approov/internal/pins/stage"
)

var p0, p1, p2, p3, p4 = genPins[0], genPins[1], genPins[2], genPins[3], genPins[4]

func set(version uint64, ds ...pins.Domain) *pins.PinSet {
	s := &pins.PinSet{Schema: pins.SchemaVersion, BaseVersion: version, Domains: ds}
	s.Sort()
	return s
}

func dom(name string, es ...pins.PinEntry) pins.Domain {
	return pins.Domain{Name: name, Pins: es}
}

func withExpiry(d pins.Domain, date string) pins.Domain { d.Expires = date; return d }

func withSubdomains(d pins.Domain) pins.Domain { d.IncludeSubdomains = true; return d }

func primary(p pins.Pin) pins.PinEntry {
	return pins.PinEntry{SHA256: p, Label: pins.Primary, Type: pins.Leaf}
}

func backup(p pins.Pin) pins.PinEntry {
	return pins.PinEntry{SHA256: p, Label: pins.Backup, Type: pins.Leaf}
}

func commented(e pins.PinEntry, c string) pins.PinEntry { e.Comment = c; return e }

// wantKind fails unless err is of kind k and mentions every string of want.
func wantKind(t *testing.T, err error, k fault.Kind, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v error mentioning %q", k, want)
	}
	if fault.KindOf(err) != k {
		t.Fatalf("error %q is of kind %v, want %v", err, fault.KindOf(err), k)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q lacks %q", err, w)
		}
	}
}

// pki is a root, an intermediate and two leaf keys for api.example.test:
// the key in service (A) and the next one (B).
type pki struct {
	root, inter    *pinstest.CA
	leafA, leafB   *x509.Certificate
	chainA, chainB []*x509.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	root := pinstest.NewCA(t, "Test Root")
	inter := root.Intermediate(t, "Test Issuing CA")
	leafA, _ := inter.Leaf(t, pinstest.LeafOptions{Names: []string{"api.example.test"}})
	leafB, _ := inter.Leaf(t, pinstest.LeafOptions{Names: []string{"api.example.test"}})
	return &pki{root: root, inter: inter, leafA: leafA, leafB: leafB,
		chainA: []*x509.Certificate{leafA, inter.Cert, root.Cert},
		chainB: []*x509.Certificate{leafB, inter.Cert, root.Cert}}
}

func seen(addr string, chain []*x509.Certificate) stage.Observation {
	return stage.Observation{Address: addr, Chains: [][]*x509.Certificate{chain}}
}
