package cmdutil

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter/promptertest"
)

func TestConfirm(t *testing.T) {
	tests := []struct {
		name     string
		tty, yes bool
		answers  []bool
		wantKind fault.Kind // 0: no error
		asked    int
	}{
		{name: "--yes on a terminal asks nothing", tty: true, yes: true},
		{name: "--yes without a terminal", yes: true},
		{name: "no terminal, no --yes", wantKind: fault.Usage},
		{name: "terminal, answered yes", tty: true, answers: []bool{true}, asked: 1},
		{name: "terminal, answered no", tty: true, answers: []bool{false}, wantKind: fault.Cancelled, asked: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			p := &promptertest.Scripted{Confirms: tt.answers}
			err := Confirm(ios, p, tt.yes, "Remove it?")
			if (err == nil) != (tt.wantKind == 0) || (err != nil && fault.KindOf(err) != tt.wantKind) || len(p.Asked) != tt.asked {
				t.Fatalf("err %v (kind %v), asked %q", err, fault.KindOf(err), p.Asked)
			}
			if tt.wantKind == fault.Usage && !strings.Contains(fault.HintOf(err), "--yes") {
				t.Errorf("hint %q lacks --yes", fault.HintOf(err))
			}
		})
	}
}
