package pins_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

func loadFixtureSet(t *testing.T) *pins.PinSet {
	t.Helper()
	set, warns, err := pins.LoadPinSet(readVector(t, "pinset.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Fatalf("warnings on the fixture: %q", warns)
	}
	return set
}

func TestLoadPinSet(t *testing.T) {
	set := loadFixtureSet(t)
	want := opensslPins(t)
	if set.BaseVersion != 7 || len(set.Domains) != 2 {
		t.Fatalf("set %+v", set)
	}
	api := set.Domains[0] // sorted by name
	if api.Name != "api.example.com" || !api.IncludeSubdomains || api.Expires != "2030-01-31" {
		t.Errorf("domain %+v", api)
	}
	if api.Pins[0].SHA256.String() != want["rsa2048"] || api.Pins[1].Label != pins.Backup {
		t.Errorf("pins %+v", api.Pins)
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
		t.Errorf("canonical form is not stable:\n%s\n%s", out, out2)
	}
}

func pinSetJSON(domains string) string {
	return `{"schema":1,"base_version":0,"domains":[` + domains + `]}`
}

func domainJSON(name string, pinsJSON ...string) string {
	return fmt.Sprintf(`{"domain":%q,"pins":[%s]}`, name, strings.Join(pinsJSON, ","))
}

func pinJSON(pin, label, typ string) string {
	return fmt.Sprintf(`{"sha256":%q,"label":%q,"type":%q}`, pin, label, typ)
}

func TestLoadPinSetRejects(t *testing.T) {
	p1, p2 := goodPin, "0VRYEPLFy7RCSeO6n1N28Lb4uLOsy1OU/y7gyZiShqQ="
	ok := pinJSON(p1, "primary", "leaf")
	tests := []struct {
		name, in, want string
	}{
		{"not json", "{", "not valid"},
		{"trailing", pinSetJSON("") + "{}", "after the JSON"},
		{"schema", `{"schema":2,"domains":[]}`, "schema 2"},
		{"unknown field", `{"schema":1,"domains":[],"pinz":1}`, "unknown field"},
		{"bad domain", pinSetJSON(domainJSON("bad host", ok)), "not a valid host"},
		{"duplicate domain", pinSetJSON(domainJSON("a.example", ok) + "," + domainJSON("A.example.", ok)), "twice"},
		{"no pins", pinSetJSON(domainJSON("a.example")), "no pins"},
		{"duplicate pin", pinSetJSON(domainJSON("a.example", ok, pinJSON("sha256/"+p1, "backup", "leaf"))), "appears twice"},
		{"bad pin", pinSetJSON(domainJSON("a.example", pinJSON("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "primary", "leaf"))), "pin 1: pin"},
		{"bad label", pinSetJSON(domainJSON("a.example", ok, pinJSON(p2, "spare", "leaf"))), "pin 2: label"},
		{"bad type", pinSetJSON(domainJSON("a.example", pinJSON(p2, "backup", "ca"))), "type \"ca\""},
		{"bad expiry", pinSetJSON(`{"domain":"a.example","expires":"next year","pins":[` + ok + `]}`), "not a date"},
		{"duplicate key", `{"schema":1,"domains":[{"domain":"a.example","pins":[{"sha256":"` + p1 + `","label":"primary","sha256":"` + p2 + `"}]}]}`, `key "sha256" appears twice`},
		{"duplicate top key", `{"schema":1,"domains":[],"schema":1}`, `key "schema" appears twice`},
		{"too big", strings.Repeat(" ", pins.MaxPinSetSize+1), "larger than"},
		{"too many pins", pinSetJSON(domainJSON("a.example", strings.Repeat(ok+",", pins.MaxPinsPerDomain)+ok)), "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := pins.LoadPinSet([]byte(tt.in))
			if err == nil {
				t.Fatal("accepted")
			}
			if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q (kind %v), want %q", err, fault.KindOf(err), tt.want)
			}
		})
	}
}

func TestPinSetWarningsAndLint(t *testing.T) {
	urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(goodPin)
	in := pinSetJSON(`{"domain":"a.example","expires":"2026-01-10","pins":[` + pinJSON(urlSafe, "primary", "leaf") + `]},` +
		domainJSON("b.example", pinJSON(goodPin, "primary", "leaf"), pinJSON(strings.Repeat("A", 43)+"=", "primary", "root")))
	set, warns, err := pins.LoadPinSet([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if joined := strings.Join(warns, "\n"); !strings.Contains(joined, "URL-safe") || !strings.Contains(joined, "placeholder") {
		t.Errorf("load warnings %q", warns)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lint := strings.Join(set.Lint(now, 30*24*time.Hour), "\n")
	for _, want := range []string{"a.example has a single pin", "expires on 2026-01-10 (in 9 days)", "b.example has no pin labelled backup"} {
		if !strings.Contains(lint, want) {
			t.Errorf("lint %q lacks %q", lint, want)
		}
	}
	if lint := strings.Join(set.Lint(now.AddDate(0, 1, 0), time.Hour), "\n"); !strings.Contains(lint, "expired on 2026-01-10") {
		t.Errorf("lint %q lacks expiry", lint)
	}
}
