// Package registration implements `approov registration`: registering
// builds by their measurement, listing and removing registrations. The app
// itself never leaves the machine; the service checks roles and ownership
// (a delegate sees and changes only its own).
package registration

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/safetext"
)

// NewCmdRegistration builds the `approov registration` group.
func NewCmdRegistration(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registration <command>",
		Short: "Register builds of your apps",
		Long: `Register builds so that they count as genuine: each file is measured and
verified locally, and only the measurement (ids, versions, signer and content
digests) is sent. Registrations may expire; builds signed by an auto-register
certificate (approov appsigncert) count without one. See docs/registrations.md.`,
		Example: `  $ approov registration add app-release.apk
  $ approov registration add build/app.ipa --expire-after 30d
  $ approov registration list --package com.example.app
  $ approov registration remove --expired --yes`,
		Aliases: []string{"reg"},
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdList(f, nil), NewCmdRemove(f, nil))
	return cmd
}

// regFields are the --json fields of a listed registration.
var regFields = []string{"id", "state", "added_by", "added_at", "expires_at", "measurement"}

// parseAfter reads --expire-after: a duration such as 30d, 2w or 36h.
func parseAfter(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := parseDays(s)
	if err != nil || d <= 0 {
		return 0, cmdutil.FlagErrorf("--expire-after %q: want a duration such as 30d, 2w or 36h", s)
	}
	return d, nil
}

// parseDays extends time.ParseDuration with d (days) and w (weeks).
func parseDays(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			var v int
			if _, err := fmt.Sscanf(n, "%d", &v); err != nil || fmt.Sprint(v) != n || v > 36500 {
				return 0, fmt.Errorf("bad number")
			}
			return time.Duration(v) * unit, nil
		}
	}
	return time.ParseDuration(s)
}

// appLine names a build: app id and version, escaped for the terminal.
func appLine(m api.Measurement) string {
	v := m.Version
	switch {
	case m.VersionCode != 0:
		v = fmt.Sprintf("%s (%d)", v, m.VersionCode)
	case m.Build != "":
		v = fmt.Sprintf("%s (%s)", v, m.Build)
	}
	return safetext.Escape(strings.TrimSpace(m.AppID + " " + v))
}

// expiry renders an expiry time for a table.
func expiry(t time.Time) any {
	if t.IsZero() {
		return "never"
	}
	return t
}
