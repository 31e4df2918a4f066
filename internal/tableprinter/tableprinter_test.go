package tableprinter

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/iostreams"
)

var when = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func render(t *testing.T, tty, color bool) string {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetColorEnabled(color)
	p := New(ios, "email", "roles", "expires")
	p.AddRow("alice@example.com", "admin,dev", when)
	p.AddRow("bob@example.com", "dele\tgate", time.Time{})
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestPipedIsTabSeparatedRFC3339(t *testing.T) {
	got := render(t, false, false)
	want := "alice@example.com\tadmin,dev\t2026-03-04T05:06:07Z\nbob@example.com\tdele gate\t\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestTTYHasAlignedHeaders(t *testing.T) {
	got := render(t, true, false)
	lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "EMAIL") {
		t.Fatalf("unexpected table:\n%s", got)
	}
	col := strings.Index(lines[0], "ROLES")
	if strings.Index(lines[1], "admin,dev") != col {
		t.Errorf("columns not aligned:\n%s", got)
	}
	for _, l := range lines {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space in %q", l)
		}
	}
}

func TestNoANSIWithoutColor(t *testing.T) {
	for _, tty := range []bool{true, false} {
		if out := render(t, tty, false); strings.Contains(out, "\x1b[") {
			t.Errorf("tty=%v: ANSI escape in %q", tty, out)
		}
	}
	if out := render(t, true, true); !strings.Contains(out, "\x1b[1m") {
		t.Errorf("expected bold headers with colour on: %q", out)
	}
}

// Cells carry names from certificates, servers and codes: ESC, bidi
// overrides and invalid UTF-8 are escaped in both layouts (issue 8, defect 5).
func TestCellsEscaped(t *testing.T) {
	for _, tty := range []bool{false, true} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		p := New(ios, "email", "roles")
		p.AddRow("eve\x1b[2K\rok@example.com\u202e", "admin\xff")
		if err := p.Render(); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if strings.ContainsAny(got, "\x1b\r\u202e") || !utf8.ValidString(got) || !strings.Contains(got, `eve\x1b[2K ok@example.com\u202e`) || !strings.Contains(got, `admin\xff`) {
			t.Errorf("tty %v: %q", tty, got)
		}
	}
}
