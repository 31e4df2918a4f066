package stage_test

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
	"github.com/approov-cli/approov/internal/pins/stage"
)

func TestFromPin(t *testing.T) {
	c, err := stage.FromPin("sha256/"+p0.String(), "")
	if err != nil || c.Pin != p0 || c.Type != pins.Leaf || c.Cert != nil {
		t.Fatalf("candidate %+v (%v)", c, err)
	}
	urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(p1.String())
	if c, err = stage.FromPin(urlSafe, pins.Root); err != nil || c.Pin != p1 || c.Type != pins.Root || len(c.Warnings) != 1 {
		t.Fatalf("candidate %+v (%v)", c, err)
	}
	_, err = stage.FromPin(p0.String(), "ca")
	wantKind(t, err, fault.Usage, `pin type "ca"`)
	_, err = stage.FromPin("sha1/AAAA", "")
	wantKind(t, err, fault.Invalid, "SHA-1")
}

func TestFromCertificates(t *testing.T) {
	k := newPKI(t)
	other := k.root.Intermediate(t, "Other CA")
	tests := []struct {
		name  string
		certs []*x509.Certificate
		pos   pins.Position
		want  *x509.Certificate
		err   string
	}{
		{"the leaf of a chain", k.chainA, "", k.leafA, ""},
		{"the intermediate", k.chainA, pins.Intermediate, k.inter.Cert, ""},
		{"the root", []*x509.Certificate{k.root.Cert, k.leafA}, pins.Root, k.root.Cert, ""},
		{"no leaf", []*x509.Certificate{k.inter.Cert}, pins.Leaf, nil, `the file holds 0 leaf certificate(s) (it holds: intermediate "Test Issuing CA"); want exactly one`},
		{"two intermediates", []*x509.Certificate{k.inter.Cert, other.Cert}, pins.Intermediate, nil, "holds 2 intermediate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := stage.FromCertificates(tt.certs, tt.pos)
			if tt.err != "" {
				wantKind(t, err, fault.Invalid, tt.err)
				return
			}
			if err != nil || c.Pin != pins.Compute(tt.want) || c.Cert == nil {
				t.Fatalf("candidate %+v (%v)", c, err)
			}
			if !strings.HasPrefix(c.Comment, tt.want.Subject.CommonName+", ECDSA P-256, until ") {
				t.Errorf("comment %q", c.Comment)
			}
		})
	}
}

func TestFromEndpoints(t *testing.T) {
	k := newPKI(t)
	ep := func(addr string, chain []*x509.Certificate) pins.Endpoint {
		return pins.Endpoint{Target: api + ":443", Address: addr, Verified: true, Chain: pins.ChainInfo(chain), Chains: [][]*x509.Certificate{chain}}
	}
	c, err := stage.FromEndpoints([]pins.Endpoint{ep("a", k.chainA), ep("b", k.chainB)}, pins.Intermediate)
	if err != nil || c.Pin != pins.Compute(k.inter.Cert) || c.Type != pins.Intermediate {
		t.Fatalf("intermediate %+v (%v)", c, err)
	}
	_, err = stage.FromEndpoints([]pins.Endpoint{ep("a", k.chainA), ep("b", k.chainB)}, "")
	wantKind(t, err, fault.Invalid, "the addresses of "+api+":443 serve different leaf keys")
	insecure := ep("a", k.chainA)
	insecure.Verified = false
	_, err = stage.FromEndpoints([]pins.Endpoint{insecure}, "")
	wantKind(t, err, fault.Invalid, "not verified")
	failed := pins.Endpoint{Address: "a", Err: fault.New(fault.Network, "a: connection refused")}
	_, err = stage.FromEndpoints([]pins.Endpoint{ep("b", k.chainA), failed}, "")
	wantKind(t, err, fault.Network, "connection refused")
	_, err = stage.FromEndpoints([]pins.Endpoint{ep("a", k.chainA[:1])}, pins.Root)
	wantKind(t, err, fault.Invalid, "a: the verified chain has no root certificate")
	_, err = stage.FromEndpoints(nil, "")
	wantKind(t, err, fault.Network, "no address")
}

func TestFromHost(t *testing.T) {
	k := newPKI(t)
	leaf, key := k.inter.Leaf(t, pinstest.LeafOptions{Names: []string{api}})
	addr := pinstest.ServeTLS(t, key, leaf, k.inter.Cert)
	target, err := pins.ParseTarget(addr)
	if err != nil {
		t.Fatal(err)
	}
	opts := pins.FetchOptions{Roots: k.root.Pool(), ServerName: api, DialTimeout: 5 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for pos, want := range map[pins.Position]*x509.Certificate{pins.Leaf: leaf, pins.Intermediate: k.inter.Cert, pins.Root: k.root.Cert} {
		c, eps, err := stage.FromHost(ctx, target, opts, pos)
		if err != nil || c.Pin != pins.Compute(want) || len(eps) != 1 {
			t.Fatalf("%s: candidate %+v (%v)", pos, c, err)
		}
		if pos == pins.Leaf {
			checkHostEdit(t, c, eps)
		}
	}
	opts.Roots = nil // the system roots do not know the test CA
	_, _, err = stage.FromHost(ctx, target, opts, "")
	if !errors.Is(err, pins.ErrNotVerified) || fault.KindOf(err) != fault.Network {
		t.Fatalf("unverified host: %v", err)
	}
}

// checkHostEdit: a pin added from a live host passes the push invariants
// against the observations of that same probe.
func checkHostEdit(t *testing.T, c stage.Candidate, eps []pins.Endpoint) {
	t.Helper()
	e, err := stage.Add(nil, api, c, "")
	if err != nil {
		t.Fatal(err)
	}
	if vs := stage.CheckInvariants(nil, e.Set, stage.Live{api: stage.Observations(eps)}, time.Now()); len(vs) != 0 {
		t.Fatalf("violations %v", vs)
	}
}

func TestLongNamesMakeValidComments(t *testing.T) {
	ca := pinstest.NewCA(t, strings.Repeat("é", 150))
	c, err := stage.FromCertificates([]*x509.Certificate{ca.Cert}, pins.Root)
	if err != nil || len(c.Comment) > pins.MaxCommentLength || !utf8.ValidString(c.Comment) {
		t.Fatalf("comment %q (%d bytes, %v)", c.Comment, len(c.Comment), err)
	}
	if _, err := stage.Add(nil, "a.example", c, ""); err != nil {
		t.Fatal(err)
	}
}
