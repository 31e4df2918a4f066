package stage_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
)

func TestMerge(t *testing.T) {
	base := set(7, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p2), backup(p3)))
	tests := []struct {
		name          string
		theirs, yours *pins.PinSet
		want          *pins.PinSet
	}{
		{
			name:   "different domains",
			theirs: set(8, dom("a.example", primary(p0), backup(p1), backup(p4)), dom("b.example", primary(p2), backup(p3))),
			yours:  set(7, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p2), backup(p3)), dom("c.example", primary(p4))),
			want:   set(8, dom("a.example", primary(p0), backup(p1), backup(p4)), dom("b.example", primary(p2), backup(p3)), dom("c.example", primary(p4))),
		},
		{
			name:   "different pins of one domain",
			theirs: set(8, dom("a.example", primary(p0), backup(p1), backup(p4)), dom("b.example", primary(p2), backup(p3))),
			yours:  set(7, dom("a.example", primary(p0)), dom("b.example", primary(p2), backup(p3))),
			want:   set(8, dom("a.example", primary(p0), backup(p4)), dom("b.example", primary(p2), backup(p3))),
		},
		{
			name:   "an option and a pin of one domain",
			theirs: set(8, withExpiry(dom("a.example", primary(p0), backup(p1)), "2030-01-01"), dom("b.example", primary(p2), backup(p3))),
			yours:  set(7, dom("a.example", primary(p0), primary(p1)), dom("b.example", primary(p2), backup(p3))),
			want:   set(8, withExpiry(dom("a.example", primary(p0), primary(p1)), "2030-01-01"), dom("b.example", primary(p2), backup(p3))),
		},
		{
			name:   "the same change on both sides",
			theirs: set(8, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p3))),
			yours:  set(7, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p3))),
			want:   set(8, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p3))),
		},
		{
			name:   "a domain removed on one side, left alone on the other",
			theirs: set(8, dom("a.example", primary(p0), backup(p1))),
			yours:  set(7, dom("a.example", primary(p0), backup(p1), backup(p4)), dom("b.example", primary(p2), backup(p3))),
			want:   set(8, dom("a.example", primary(p0), backup(p1), backup(p4))),
		},
		{
			name:   "a domain both sides add with different pins",
			theirs: set(8, base.Domains[0], base.Domains[1], dom("c.example", primary(p0))),
			yours:  set(7, base.Domains[0], base.Domains[1], dom("c.example", primary(p0), backup(p1))),
			want:   set(8, base.Domains[0], base.Domains[1], dom("c.example", primary(p0), backup(p1))),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cs := stage.Merge(base, tt.theirs, tt.yours)
			if len(cs) > 0 || !stage.Equal(got, tt.want) || got.BaseVersion != 8 {
				t.Fatalf("merge: %v\n%+v\nwant %+v", cs, got, tt.want)
			}
			if again, _ := stage.Merge(base, tt.yours, tt.theirs); !stage.Equal(again, tt.want) {
				t.Fatalf("merge(base, yours, theirs) = %+v", again)
			}
		})
	}
}

func TestMergeConflicts(t *testing.T) {
	base := set(7, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p2), backup(p3)))
	tests := []struct {
		name          string
		theirs, yours *pins.PinSet
		want          []string
	}{
		{
			name:   "a pin changed two ways",
			theirs: set(8, dom("a.example", primary(p0), primary(p1)), base.Domains[1]),
			yours:  set(7, dom("a.example", primary(p0), commented(backup(p1), "hsm 2")), base.Domains[1]),
			want:   []string{"domain a.example, pin " + p1.String() + `: base: backup leaf; theirs: primary leaf; yours: backup leaf (comment "hsm 2")`},
		},
		{
			name:   "a pin removed and changed",
			theirs: set(8, dom("a.example", primary(p0)), base.Domains[1]),
			yours:  set(7, dom("a.example", primary(p0), primary(p1)), base.Domains[1]),
			want:   []string{"domain a.example, pin " + p1.String() + ": base: backup leaf; theirs: absent; yours: primary leaf"},
		},
		{
			name:   "an option set two ways",
			theirs: set(8, withExpiry(base.Domains[0], "2030-01-01"), base.Domains[1]),
			yours:  set(7, withExpiry(base.Domains[0], "2031-01-01"), base.Domains[1]),
			want:   []string{"domain a.example, expires: base: none; theirs: 2030-01-01; yours: 2031-01-01"},
		},
		{
			name:   "a domain removed and changed",
			theirs: set(8, base.Domains[0]),
			yours:  set(7, base.Domains[0], dom("b.example", primary(p2), backup(p3), backup(p4))),
			want: []string{"domain b.example: base: present with 2 pin(s): " + p2.String() + " primary, " + p3.String() +
				" backup; theirs: removed the domain; yours: added pin " + p4.String() + " (backup leaf)"},
		},
		{
			name:   "two removals leave no pin",
			theirs: set(8, base.Domains[0], dom("b.example", backup(p3))),
			yours:  set(7, base.Domains[0], dom("b.example", primary(p2))),
			want: []string{"domain b.example: the merged domain has no pin left; base: 2 pin(s): " + p2.String() + " primary, " +
				p3.String() + " backup; theirs: 1 pin(s): " + p3.String() + " backup; yours: 1 pin(s): " + p2.String() + " primary"},
		},
		{
			name:   "one conflict per pin and option, sorted",
			theirs: set(8, withSubdomains(dom("a.example", backup(p0), primary(p1)))),
			yours:  set(7, dom("a.example", commented(primary(p0), "x"), primary(p1), backup(p4)), dom("b.example", primary(p2))),
			want: []string{
				"domain a.example, pin " + p0.String() + `: base: primary leaf; theirs: backup leaf; yours: primary leaf (comment "x")`,
				"domain b.example: base: present with 2 pin(s): " + p2.String() + " primary, " + p3.String() +
					" backup; theirs: removed the domain; yours: removed pin " + p3.String(),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cs := stage.Merge(base, tt.theirs, tt.yours)
			if got != nil {
				t.Fatalf("a conflicting merge returned a set: %+v", got)
			}
			var lines []string
			for _, c := range cs {
				lines = append(lines, c.String())
			}
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("conflicts:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
			wantKind(t, stage.ConflictError(cs), fault.Conflict, tt.want[0])
		})
	}
}

func TestMergeTooManyPins(t *testing.T) {
	var b, th, y []pins.PinEntry
	for i := 0; i < pins.MaxPinsPerDomain; i++ {
		e := backup(keyPin(string(rune('a' + i))))
		if i < pins.MaxPinsPerDomain-2 {
			b = append(b, e)
		}
		th, y = append(th, e), append(y, e)
	}
	th = append(th[:pins.MaxPinsPerDomain-2], th[pins.MaxPinsPerDomain-2], backup(p0))
	y = append(y[:pins.MaxPinsPerDomain-2], y[pins.MaxPinsPerDomain-1], backup(p1))
	_, cs := stage.Merge(set(1, dom("a.example", b...)), set(2, dom("a.example", th...)), set(1, dom("a.example", y...)))
	if len(cs) != 1 || !strings.Contains(cs[0].Reason, "the merged domain has 34 pins; at most 32") {
		t.Fatalf("conflicts %v", cs)
	}
}

func TestMergeErrorNilWithoutConflicts(t *testing.T) {
	if err := stage.ConflictError(nil); err != nil {
		t.Fatal(err)
	}
}

func TestSummarize(t *testing.T) {
	base := set(7, dom("a.example", primary(p0), backup(p1)))
	theirs := set(9, dom("a.example", primary(p0), backup(p1), backup(p2)))
	yours := set(7, dom("a.example", primary(p0), backup(p1)), dom("b.example", primary(p3)))
	s := stage.Summarize(base, theirs, yours)
	want := strings.Join([]string{
		"your staged set is based on version 7; the current version is 9",
		"changes since your base (theirs):",
		"  ~ domain a.example",
		"      + pin " + p2.String() + " backup leaf",
		"your staged changes (yours):",
		"  + domain b.example",
		"      + pin " + p3.String() + " primary leaf",
		"the two merge without conflict",
	}, "\n")
	if got := strings.Join(s.Lines(), "\n"); got != want {
		t.Fatalf("summary:\n%s\nwant:\n%s", got, want)
	}
	yours = set(7, dom("a.example", primary(p0)))
	theirs = set(9, dom("a.example", primary(p0), primary(p1)))
	s = stage.Summarize(base, theirs, yours)
	lines := s.Lines()
	if len(s.Conflicts) != 1 || lines[len(lines)-2] != "1 conflict(s) stop a merge:" || !strings.HasPrefix(lines[len(lines)-1], "  domain a.example, pin "+p1.String()) {
		t.Fatalf("summary %q", lines)
	}
	out, err := json.Marshal(stage.Summarize(base, base, base))
	if err != nil || string(out) != `{"base_version":7,"theirs_version":7,"theirs":{"domains":[]},"yours":{"domains":[]},"conflicts":[]}` {
		t.Fatalf("JSON %s (%v)", out, err)
	}
}

func TestMergeTooManyDomains(t *testing.T) {
	theirs, yours := set(2), set(1)
	for i := 0; i < 600; i++ {
		theirs.Domains = append(theirs.Domains, dom(fmt.Sprintf("t%d.example", i), primary(p0)))
		yours.Domains = append(yours.Domains, dom(fmt.Sprintf("y%d.example", i), primary(p0)))
	}
	_, cs := stage.Merge(nil, theirs, yours)
	want := "the pin set: the merged set has 1200 domains; at most 1000 are accepted; base: 0 domain(s); theirs: 600 domain(s); yours: 600 domain(s)"
	if len(cs) != 1 || cs[0].String() != want {
		t.Fatalf("conflicts %v", cs)
	}
	merged, _ := stage.Merge(nil, theirs, set(1))
	merged.Domains = append(merged.Domains, yours.Domains...)
	if vs := stage.CheckInvariants(nil, merged, nil, now); len(vs) != 1 || vs[0].Rule != stage.RuleInvalid || !strings.Contains(vs[0].String(), "1200 domains") {
		t.Fatalf("violations %v", vs)
	}
}
