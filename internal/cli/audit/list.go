package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

// ListOptions holds what `approov audit list` needs.
type ListOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
	Now  func() time.Time

	Since     string
	User      string
	Operation string
	Limit     int
}

// NewCmdList builds `approov audit list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit events",
		Long: `List the account's audit events, oldest first: every change with the user,
role, time, what changed and the version before and after, the reason of a
forced push, failed and denied authentications, reads of the token secret.
--since takes a duration back from now (24h, 7d, 2w) or an RFC 3339 time;
--operation an operation (pin.push) or a group (pin). The service filters.`,
		Example: `  $ approov audit list --since 7d
  $ approov audit list --user alice@example.com --operation secret
  $ approov audit list --since 2026-11-01T00:00:00Z --json --jq '.[] | select(.outcome != "ok")'`,
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth, opts.Now = f.IOStreams, f.Auth(), f.Now
			if runF != nil {
				return runF(opts)
			}
			return runList(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Since, "since", "", "only events since a `time` (RFC 3339) or a duration ago (24h, 7d)")
	fl.StringVar(&opts.User, "user", "", "only events of this user (`email`)")
	fl.StringVar(&opts.Operation, "operation", "", "only this `operation` (users.add) or group (users)")
	fl.IntVar(&opts.Limit, "limit", 0, "at most this many events (default and maximum 10000)")
	_ = cmd.RegisterFlagCompletionFunc("user", complete.From(f, complete.Emails))
	_ = cmd.RegisterFlagCompletionFunc("operation", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return api.Names(), cobra.ShellCompDirectiveNoFileComp
	})
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"seq", "time", "user", "role", "op", "target", "outcome", "detail", "from_version", "to_version", "reason"})
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	q, err := query(opts)
	if err != nil {
		return err
	}
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	events, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) ([]api.AuditEvent, error) {
		return backend.Call(ctx, c.Backend, api.OpAuditList, c.Caller, q)
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, events)
	}
	tp := tableprinter.New(opts.IO, "TIME", "USER", "ROLE", "OPERATION", "TARGET", "OUTCOME", "CHANGE")
	for _, e := range events {
		tp.AddRow(e.Time, dash(e.User), dash(string(e.Role)), e.Op, dash(e.Target), e.Outcome, change(e))
	}
	return tp.Render()
}

func query(opts *ListOptions) (api.AuditQuery, error) {
	if opts.Limit < 0 || opts.Limit > 10_000 {
		return api.AuditQuery{}, cmdutil.FlagErrorf("--limit %d: want 1 to 10000", opts.Limit)
	}
	since, err := ParseSince(opts.Since, opts.Now())
	if err != nil {
		return api.AuditQuery{}, err
	}
	return api.AuditQuery{Since: since, Limit: opts.Limit, User: opts.User, Op: opts.Operation}, nil
}

// change is what changed: the detail, versions and reason, in one cell.
func change(e api.AuditEvent) string {
	var parts []string
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	if e.FromVersion != 0 || e.ToVersion != 0 {
		parts = append(parts, fmt.Sprintf("v%d→v%d", e.FromVersion, e.ToVersion))
	}
	if e.Reason != "" {
		parts = append(parts, "reason: "+e.Reason)
	}
	return dash(strings.Join(parts, "; "))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ParseSince reads --since: "" (everything), an RFC 3339 time, or a
// duration back from now (cmdutil.ParseWhen).
func ParseSince(s string, now time.Time) (time.Time, error) {
	return cmdutil.ParseWhen("--since", s, now)
}
