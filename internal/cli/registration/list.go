package registration

import (
	"context"
	"runtime/debug"

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

// ListOptions holds what `approov registration list` needs.
type ListOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags

	Package string
	Expired bool
}

// NewCmdList builds `approov registration list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:   "list [--package P] [--expired]",
		Short: "List registered builds",
		Long: `List the registrations you may see (a delegate: its own), oldest first, with
who added each, when, its expiry and state. An expired registration no longer
counts but stays listed until removed. Builds covered by an auto-register
certificate count without a registration and are not listed.`,
		Example: `  $ approov registration list
  $ approov registration list --package com.example.app --json
  $ approov registration list --expired --json --jq '.[].id'`,
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runList(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Package, "package", "", "only this package name or bundle id")
	cmd.Flags().BoolVar(&opts.Expired, "expired", false, "only expired registrations")
	opts.JSON = cmdutil.AddJSONFlags(cmd, regFields)
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev, role.Automation, role.Delegate)
	return cmd
}

// listGCPercent: nearly all a list allocates stays live until printed (the
// stored records, then the decoded answer), so the default collector marks
// the same growing heap several times over for nothing: a quarter of the
// time of a 10,000-registration list. Scoped to this command, which holds
// one bounded answer; app inspect's memory bound is untouched.
const listGCPercent = 400

func runList(ctx context.Context, opts *ListOptions) error {
	defer debug.SetGCPercent(debug.SetGCPercent(listGCPercent))
	req := api.ListRegistrationsRequest{Package: opts.Package, Expired: opts.Expired}
	regs, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) ([]api.Registration, error) {
		return backend.Call(ctx, c.Backend, api.OpRegistrationList, c.Caller, req)
	})
	if err != nil {
		return err
	}
	rememberIDs(ctx, opts.Auth, regs, req == api.ListRegistrationsRequest{})
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, regs)
	}
	tp := tableprinter.New(opts.IO, "ID", "APP", "FORMAT", "STATE", "ADDED BY", "ADDED", "EXPIRES")
	for _, r := range regs {
		tp.AddRow(r.ID, appLine(r.Measurement), r.Measurement.Format, r.State, r.AddedBy, r.AddedAt, expiry(r.ExpiresAt))
	}
	return tp.Render()
}

// rememberIDs refreshes the completion cache: a full list replaces it, a
// filtered one only adds.
func rememberIDs(ctx context.Context, m *login.Manager, regs []api.Registration, full bool) {
	ids := make([]string, len(regs))
	for i, r := range regs {
		ids[i] = r.ID
	}
	acct := complete.ActiveAccount(ctx, m)
	if full {
		_ = complete.Remember(ctx, m, acct, complete.Registrations, ids)
		return
	}
	_ = complete.Add(ctx, m, acct, complete.Registrations, ids...)
}
