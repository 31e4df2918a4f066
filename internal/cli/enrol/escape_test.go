package enrol

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
)

// forged is what a crafted store or server could name a user or account.
const forged = "eve\x1b[2K\r\u2713 Joined account bank\n\u202e"

// init prints names from codes and servers escaped (issue 8, defect 5).
func TestJoinedNamesAreEscaped(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	err := reportInit(&Options{IO: ios, JSON: &cmdutil.JSONFlags{}}, api.CodeInfo{},
		api.Redeemed{Account: "demo" + forged, User: forged, Roles: []api.RoleGrant{{Role: role.Dev}}}, &enrolment{pin: "123456789012"})
	if err != nil || rawControl(errOut.String()) || !strings.Contains(errOut.String(), `as eve\x1b[2K\r✓ Joined account bank\n\u202e with role dev`) {
		t.Errorf("init printed %q (%v)", errOut, err)
	}
}

func rawControl(s string) bool {
	return strings.ContainsAny(s, "\x1b\r\u202e") || strings.Contains(s, "bank\n")
}
