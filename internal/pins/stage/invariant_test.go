package stage_test

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
)

var now = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

const api = "api.example.test"

func TestCheckInvariants(t *testing.T) {
	k := newPKI(t)
	a, b := pins.Compute(k.leafA), pins.Compute(k.leafB)
	inter := pins.PinEntry{SHA256: pins.Compute(k.inter.Cert), Label: pins.Primary, Type: pins.Intermediate}
	servesA := stage.Live{api: {seen("192.0.2.1:443", k.chainA), seen("[2001:db8::1]:443", k.chainA)}}
	servesB := stage.Live{api: {seen("192.0.2.1:443", k.chainB)}}
	split := stage.Live{api: {seen("192.0.2.1:443", k.chainA), seen("192.0.2.2:443", k.chainB)}}
	down := stage.Live{api: {{Address: "192.0.2.1:443", Error: "connection refused"}}}
	tests := []struct {
		name      string
		old, next *pins.PinSet
		live      stage.Live
		want      []string // "rule: text" of each violation, in order
	}{
		{"a new domain matching its chain", nil, set(1, dom(api, primary(a), backup(b))), servesA, nil},
		{"an intermediate pin matches", nil, set(1, dom(api, inter)), servesA, nil},
		{"a new domain matching nothing", nil, set(1, dom(api, primary(b))), servesA, []string{
			"live-match: domain " + api + ": no pin matches the chain served at 192.0.2.1:443 (leaf pin " + a.String() + ")",
			"live-match: domain " + api + ": no pin matches the chain served at [2001:db8::1]:443",
		}},
		{"one address of two matches", set(1, dom(api, primary(a))), set(1, dom(api, primary(a), backup(p0))), split, []string{
			"live-match: domain " + api + ": no pin matches the chain served at 192.0.2.2:443 (leaf pin " + b.String() + ")",
		}},
		{"an unreachable address", nil, set(1, dom(api, primary(a))), down, []string{
			"unverified: domain " + api + ": 192.0.2.1:443 gave no verified chain: connection refused",
		}},
		{"a changed domain the live view lacks", nil, set(1, dom(api, primary(a))), stage.Live{}, []string{
			"unverified: domain " + api + ": its live chain was not checked",
		}},
		{"offline: live rules skipped", nil, set(1, dom(api, primary(b))), nil, nil},
		{"an unchanged domain is not the push's doing", set(1, dom(api, primary(b)), dom("x.example", primary(p0))),
			set(1, dom(api, primary(b)), dom("x.example", primary(p0), backup(p1))), stage.Live{"x.example": servesA[api]}, []string{
				"live-match: domain x.example: no pin matches the chain served at 192.0.2.1:443",
				"live-match: domain x.example: no pin matches the chain served at [2001:db8::1]:443",
			}},
		{"removing a domain is allowed", set(1, dom(api, primary(a), backup(b))), set(2), servesA, nil},
		{"removing the last backup", set(1, dom(api, primary(a), backup(b))), set(1, dom(api, primary(a))), servesA, []string{
			"last-backup: domain " + api + ": the push removes its last backup pin (" + b.String() + ")",
		}},
		{"removing the last backup, offline", set(1, dom(api, primary(a), backup(b))), set(1, dom(api, primary(a))), nil, []string{
			"last-backup: domain " + api + ": the push removes its last backup pin",
		}},
		{"replacing the backup", set(1, dom(api, primary(a), backup(b))), set(1, dom(api, primary(a), backup(p0))), servesA, nil},
		{"rotation: retire the old key once the backup is served", set(1, dom(api, primary(a), backup(b))), set(1, dom(api, backup(b))), servesB, nil},
		{"rotation: retire and promote", set(1, dom(api, primary(a), backup(b))), set(1, dom(api, primary(b))), servesB, nil},
		{"rotation: promote offline is refused (labels only)", set(1, dom(api, primary(a), backup(b))), set(1, dom(api, primary(b))), nil, []string{
			"last-backup: domain " + api,
		}},
		{"an expired pin set", nil, set(1, withExpiry(dom(api, primary(a)), "2027-02-28")), servesA, []string{
			"expired: domain " + api + ": its pin set expired on 2027-02-28",
		}},
		{"expiring later today is still valid", nil, set(1, withExpiry(dom(api, primary(a)), "2027-03-01")), servesA, nil},
		{"a placeholder pin", nil, set(1, dom(api, primary(a), backup(pins.Pin{}))), servesA, []string{
			"invalid: domain " + api + ": pin AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= is a placeholder",
		}},
		{"an invalid domain", nil, set(1, dom(api, pins.PinEntry{SHA256: a, Label: "spare", Type: pins.Leaf})), servesA, []string{
			`invalid: domain ` + api + `, pin 1: label "spare"`,
		}},
		{"an empty-input pin", nil, set(1, dom(api, primary(a), backup(pins.EmptyInputPin))), servesA, []string{
			"invalid: domain " + api + ", pin 2: pin 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= is the SHA-256 of empty input",
		}},
		{"a name twice", nil, &pins.PinSet{Schema: 1, Domains: []pins.Domain{dom(api, primary(a)), dom(api, primary(a))}}, servesA, []string{
			"invalid: domain " + api + ": it appears twice",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := stage.CheckInvariants(tt.old, tt.next, tt.live, now)
			if len(vs) != len(tt.want) {
				t.Fatalf("violations %v, want %d: %q", vs, len(tt.want), tt.want)
			}
			for i, v := range vs {
				if got := string(v.Rule) + ": " + v.String(); !strings.HasPrefix(got, tt.want[i]) {
					t.Errorf("violation %d:\n%s\nwant prefix\n%s", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestViolationError(t *testing.T) {
	if stage.ViolationError(nil) != nil {
		t.Fatal("an error without violations")
	}
	err := stage.ViolationError([]stage.Violation{
		{Domain: "a.example", Rule: stage.RuleExpired, Reason: "its pin set expired"},
		{Rule: stage.RuleInvalid, Reason: "the pin set has 1001 domains"},
	})
	wantKind(t, err, fault.Invalid, "the pin set breaks 2 rule(s): domain a.example: its pin set expired | the pin set has 1001 domains")
}

func TestNeedsLive(t *testing.T) {
	old := set(1, dom("a.example", primary(p0)), dom("b.example", primary(p1)), dom("c.example", primary(p2)))
	next := set(1, dom("a.example", primary(p0)), withExpiry(dom("b.example", primary(p1)), "2030-01-01"), dom("d.example", primary(p3)))
	if got := stage.NeedsLive(old, next); !slices.Equal(got, []string{"b.example", "d.example"}) {
		t.Fatalf("NeedsLive %q", got)
	}
}

func TestBackups(t *testing.T) {
	k := newPKI(t)
	a, b := pins.Compute(k.leafA), pins.Compute(k.leafB)
	d := dom(api, primary(a), backup(b), backup(p0))
	if got := stage.Backups(d, nil); !slices.Equal(got, []pins.Pin{b, p0}) {
		t.Errorf("offline backups %v", got)
	}
	if got := stage.Backups(d, []stage.Observation{seen("x", k.chainB)}); !slices.Equal(got, []pins.Pin{p0}) {
		t.Errorf("a served backup still counted: %v", got)
	}
}

func TestObservations(t *testing.T) {
	k := newPKI(t)
	eps := []pins.Endpoint{
		{Address: "a", Verified: true, Chains: [][]*x509.Certificate{k.chainA}},
		{Address: "b", Chains: [][]*x509.Certificate{k.chainA}}, // insecure: not verified
		{Address: "c", Err: errors.New("timeout"), Error: "timeout"},
	}
	obs := stage.Observations(eps)
	if len(obs[0].Chains) != 1 || obs[1].Chains != nil || obs[1].Error != "the chain was not verified" || obs[2].Error != "timeout" {
		t.Fatalf("observations %+v", obs)
	}
}

func TestCompareViews(t *testing.T) {
	k := newPKI(t)
	cli := stage.Live{api: {seen("192.0.2.1:443", k.chainA)}, "only.cli.example": {seen("x", k.chainA)}, "same.example": {seen("x", k.chainB)}}
	service := stage.Live{api: {seen("10.0.0.1:443", k.chainB)}, "same.example": {seen("y", k.chainB)}}
	vds := stage.CompareViews(stage.ViewOf(cli), stage.ViewOf(service))
	if len(vds) != 1 || vds[0].Domain != api {
		t.Fatalf("views %+v", vds)
	}
	want := []string{
		"domain " + api + ": the CLI and the service see different certificates",
		"  only the CLI sees:     leaf " + pins.Compute(k.leafA).String() + " (api.example.test)",
		"  only the service sees: leaf " + pins.Compute(k.leafB).String() + " (api.example.test)",
		"  both see:              intermediate " + pins.Compute(k.inter.Cert).String() + " (Test Issuing CA)",
		"  both see:              root " + pins.Compute(k.root.Cert).String() + " (Test Root)",
	}
	if got := vds[0].Lines(); !slices.Equal(got, want) {
		t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if vds := stage.CompareViews(stage.ViewOf(service), stage.ViewOf(service)); len(vds) != 0 {
		t.Fatalf("identical views differ: %+v", vds)
	}
	vs := stage.ViewViolations(vds)
	wantV := "domain " + api + ": the CLI and the service see different certificates (only the CLI: leaf " +
		pins.Compute(k.leafA).String() + "; only the service: leaf " + pins.Compute(k.leafB).String() + ")"
	if len(vs) != 1 || vs[0].Rule != stage.RuleViewsDiffer || vs[0].String() != wantV {
		t.Fatalf("violations %v", vs)
	}
	wire, err := json.Marshal(stage.ViewOf(cli))
	var back stage.View
	if err != nil || json.Unmarshal(wire, &back) != nil || len(stage.CompareViews(back, stage.ViewOf(cli))) != 0 {
		t.Fatalf("a view does not survive JSON: %s (%v)", wire, err)
	}
}
