package identity

import (
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
)

// forged is what a crafted store or server could name a user or account.
const forged = "eve\x1b[2K\r\u2713 Joined account bank\n\u202e"

func rawControl(s string) bool {
	return strings.ContainsAny(s, "\x1b\r\u202e") || strings.Contains(s, "bank\n")
}

// whoami prints names and locations from codes and servers escaped
// (issue 8, defect 5).
func TestNamesFromOutsideAreEscaped(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	printWhoami(&WhoamiOptions{IO: ios, Now: func() time.Time { return now }}, whoami{
		Account: "demo", Backend: []string{"local:/x" + forged}, User: forged, Role: role.Dev, RoleFrom: forged,
		Roles: []api.RoleGrant{{Role: role.Dev}}, SessionExpiresAt: now.Add(time.Hour),
	})
	if rawControl(out.String()) || strings.Count(out.String(), "\n") != 6 {
		t.Errorf("whoami printed %q", out)
	}
}
