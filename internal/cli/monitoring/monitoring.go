// Package monitoring implements `approov monitoring`: the continuous
// checks of the account's API domains (their live chains against their
// pins, certificate and pin-set expiry, reachability), the notifications
// they send, their history and the status page. Admin sets, admin and dev
// read and run.
package monitoring

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// NewCmdMonitoring builds the `approov monitoring` group.
func NewCmdMonitoring(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "monitoring <command>",
		Short: "Watch the API domains: checks, notifications, history, status page",
		Long: `approovd checks every API domain of the account on a schedule (every 15
minutes by default): the live chain of every address the name resolves to
against the domain's pins, certificate and pin-set expiry (30, 14, 7 and 1
days ahead), and reachability. A change of state (failing, recovered, an
expiry window entered) is notified by webhook and email, with a daily
reminder while a failure lasts. On the embedded backend nothing runs in the
background: "approov monitoring run" from cron or a systemd timer is the
schedule (docs/monitoring.md).`,
		Example: `  $ approov monitoring status
  $ approov monitoring set --interval 5m --email ops@example.com
  $ approov monitoring run --json`,
	}
	cmdutil.NoRoleNeeded(cmd)
	cmd.AddCommand(NewCmdStatus(f, nil), NewCmdHistory(f, nil), NewCmdSet(f, nil), NewCmdTest(f, nil), NewCmdRun(f, nil), newCmdPage(f))
	return cmd
}

// call runs op for the active session.
func call[Req, Resp any](ctx context.Context, m *login.Manager, op api.Op[Req, Resp], req Req) (Resp, error) {
	return login.Call(ctx, m, func(ctx context.Context, c login.Conn) (Resp, error) {
		return backend.Call(ctx, c.Backend, op, c.Caller, req)
	})
}

// when renders a time for tables: UTC to the minute, "-" when unset.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func latency(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Millisecond).String()
}

// clean is attacker-controlled text (errors quote certificates and
// servers) made safe for a terminal and one table cell.
func clean(s string, n int) string {
	s = safetext.Escape(strings.ReplaceAll(s, "\n", " "))
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func describeSettings(s api.MonitoringSettings) string {
	hook := "none"
	if s.Webhook != "" {
		hook = s.Webhook
	}
	emails := "none"
	if len(s.Emails) > 0 {
		emails = strings.Join(s.Emails, ", ")
	}
	page := "disabled"
	if s.Page {
		page = "enabled"
	}
	return fmt.Sprintf("interval %s · email %s · webhook %s · status page %s", s.Interval, safetext.Escape(emails), safetext.Escape(hook), page)
}
