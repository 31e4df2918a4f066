// Package users implements `approov users`: inviting users, listing them,
// revoking roles, removing users and issuing recovery codes. Admin only; the
// service checks the role again on every call.
package users

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// NewCmdUsers builds the `approov users` group.
func NewCmdUsers(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users <command>",
		Short: "Manage the account's users and their roles",
		Long: `Invite users and grant roles, list them, revoke roles, remove users and issue
recovery codes. Only the admin role may; every change is in the audit log.`,
		Example: `  $ approov users add alice@example.com --role dev --expires 90d
  $ approov users list
  $ approov users revoke alice@example.com --role dev`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdList(f, nil), NewCmdRevoke(f, nil), NewCmdRemove(f, nil), NewCmdRecover(f, nil))
	return cmd
}

// parseExpiry reads --expires: a duration from now ("90d", "36h", "2w") or
// a date ("2027-01-31") or an RFC 3339 time.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return future(t, now, s)
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return future(t, now, s)
	}
	d, err := parseDays(s)
	if err != nil || d <= 0 {
		return time.Time{}, cmdutil.FlagErrorf("--expires %q: want a duration such as 90d, 2w or 36h, or a date such as 2027-01-31", s)
	}
	return now.Add(d).UTC(), nil
}

func future(t, now time.Time, s string) (time.Time, error) {
	if !t.After(now) {
		return time.Time{}, cmdutil.FlagErrorf("--expires %s is in the past", s)
	}
	return t.UTC(), nil
}

// parseDays extends time.ParseDuration with d (days) and w (weeks).
func parseDays(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			var v int
			if _, err := fmt.Sscanf(n, "%d", &v); err != nil || fmt.Sprint(v) != n || v > 3650 {
				return 0, fmt.Errorf("bad number")
			}
			return time.Duration(v) * unit, nil
		}
	}
	return time.ParseDuration(s)
}
