// Package policy implements `approov policy show|set`: the attestation
// policy that decides which reported device properties reject an app, the
// optional token claims, whether failing apps learn why, and the token
// lifetimes. Admin only; every change is versioned and audited.
package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/safetext"
)

// NewCmdPolicy builds the `approov policy` group.
func NewCmdPolicy(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy <command>",
		Short: "Show and set the attestation policy",
		Long: `The policy decides what an attestation means. A reported device property it
rejects (rooted, debugger, emulator, instrumentation) fails the app; any other
property reported makes the device risky: it passes with a short token. Presets:
initial (rejects instrumentation), default (also rooted and emulators; where an
account starts) and strict (every property). It also sets the optional token
claims (iss, sub, aud, ipk), whether failing apps get the rejection reasons,
and the token lifetimes. Device properties are what the app reports: see
docs/threat-model.md for what a policy can and cannot prove.`,
		Example: `  $ approov policy show
  $ approov policy set --preset strict --reasons on
  $ approov policy set --claims iss,sub,ipk --lifetime 5m --grace 15s`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdShow(f, nil), NewCmdSet(f, nil))
	return cmd
}

// policyFields are the --json fields of a policy.
var policyFields = []string{"version", "preset", "reject", "claims", "reasons", "lifetime", "grace",
	"risky_lifetime", "updated_by", "updated_at"}

// render prints a policy for people.
func render(io *iostreams.IOStreams, p api.TokenPolicy) {
	w := io.Out
	set := "never set"
	if p.Version > 0 {
		set = fmt.Sprintf("set by %s at %s", safetext.Escape(p.UpdatedBy), p.UpdatedAt.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "version         %d (%s)\n", p.Version, set)
	fmt.Fprintf(w, "preset          %s\n", orDash(p.Preset, "(custom)"))
	fmt.Fprintf(w, "reject          %s\n", list(p.Reject))
	fmt.Fprintf(w, "risky           %s\n", list(risky(p.Reject)))
	fmt.Fprintf(w, "claims          exp, ip, did, evi%s\n", extra(p.Claims))
	fmt.Fprintf(w, "reasons         %s\n", onOff(p.Reasons))
	fmt.Fprintf(w, "lifetime        %s + %s grace\n", p.Lifetime, p.Grace)
	fmt.Fprintf(w, "risky lifetime  %s\n", p.RiskyLifetime)
}

// risky lists the properties that pass with a short token.
func risky(reject []string) []string {
	var out []string
	for _, p := range api.Properties {
		if !slices.Contains(reject, p) {
			out = append(out, p)
		}
	}
	return out
}

func list(l []string) string { return orDash(strings.Join(l, ", "), "(none)") }

func extra(claims []string) string {
	if len(claims) == 0 {
		return ""
	}
	return ", " + strings.Join(claims, ", ")
}

func orDash(s, dash string) string {
	if s == "" {
		return dash
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
