package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

// CheckOptions holds what `approov api check` needs.
type CheckOptions struct {
	IO          *iostreams.IOStreams
	Now         func() time.Time
	Auth        *login.Manager
	Live        cmdutil.LiveFlags
	JSON        *cmdutil.JSONFlags
	Concurrency int
}

// NewCmdCheck builds `approov api check`.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check every pinned API domain's live chain against its pins",
		Long: `Connect to every pinned API domain concurrently, verify its chain and check
that one of its pins matches. Made for cron.

Exit status: 0 when all pass; 7 when a domain cannot be reached, does not
verify or matches none of its pins; 6 when all pass but a leaf certificate
or a pin set expires within 30 days.`,
		Example: `  $ approov api check
  $ approov api check --json=domain,ok,error
  $ approov api check --connect-to api.example.com=127.0.0.1:8443 --ca-file ca.pem`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Now, opts.Auth = f.IOStreams, f.Now, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runCheck(c.Context(), opts)
		},
	}
	cmdutil.AddLiveFlags(cmd.Flags(), &opts.Live)
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", pins.DefaultConcurrency, "domains checked at once (1-64)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"domain", "endpoint", "ok", "addresses", "warnings", "error"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	if opts.Concurrency < 1 || opts.Concurrency > 64 {
		return cmdutil.FlagErrorf("--concurrency must be from 1 to 64")
	}
	co, err := opts.Live.CheckOptions(opts.Now)
	if err != nil {
		return err
	}
	co.Concurrency = opts.Concurrency
	ds, err := listDomains(ctx, opts.Auth)
	if err != nil {
		return err
	}
	set := &pins.PinSet{Schema: pins.SchemaVersion}
	for _, d := range ds.Domains {
		if d.Pinning {
			set.Domains = append(set.Domains, pins.Domain{Name: d.Domain, Expires: d.Expires, Pins: d.Pins})
		}
	}
	results := pins.Check(ctx, set, co)
	if err := render(opts, results); err != nil {
		return err
	}
	return verdict(opts.IO, set, results, opts.Now(), opts.Live.Net.CAFile)
}

func render(opts *CheckOptions, results []pins.DomainResult) error {
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, results)
	}
	tp := tableprinter.New(opts.IO, "DOMAIN", "ADDRESS", "RESULT", "MATCHED", "DETAIL")
	for _, r := range results {
		if len(r.Addresses) == 0 {
			tp.AddRow(r.Domain, "", "fail", "", r.Error)
		}
		for _, a := range r.Addresses {
			if a.OK {
				tp.AddRow(r.Domain, a.Address, "ok", fmt.Sprintf("%s %s (%s)", a.Matched.Label, a.Matched.Position, a.Matched.Name), a.Matched.Pin.String())
			} else {
				tp.AddRow(r.Domain, a.Address, "fail", "", a.Error)
			}
		}
	}
	return tp.Render()
}

// verdict: 7 on any failure, else 6 when something expires within 30 days
// (a warning about expiry), else success.
func verdict(ios *iostreams.IOStreams, set *pins.PinSet, results []pins.DomainResult, now time.Time, caFile string) error {
	failed, unverified, expiring := 0, false, ""
	for i, r := range results {
		for _, w := range r.Warnings {
			ios.Warnf("%s", w)
		}
		if expiring == "" {
			expiring = expiresSoon(set.Domains[i], r, now)
		}
		if !r.OK {
			failed++
			unverified = unverified || errors.Is(r.Err, pins.ErrNotVerified)
		}
	}
	switch {
	case failed > 0:
		err := fault.New(fault.Network, "%d of %d API domains failed the pin check", failed, len(results))
		if unverified {
			err = fault.WithHint(err, cmdutil.UnverifiedHint(caFile))
		}
		return err
	case expiring != "":
		return fault.New(fault.Invalid, "every API domain passes, but %s", expiring)
	}
	return nil
}

// expiresSoon names what of a domain expires within 30 days: its pin set
// or a leaf certificate it serves ("" for nothing).
func expiresSoon(d pins.Domain, r pins.DomainResult, now time.Time) string {
	soon := now.Add(pins.DefaultExpirySoon)
	if exp, ok := d.ExpiresTime(); ok && exp.Before(soon) {
		return fmt.Sprintf("the pin set of %s expires on %s", d.Name, d.Expires)
	}
	for _, a := range r.Addresses {
		if !a.LeafExpires.IsZero() && a.LeafExpires.Before(soon) {
			return fmt.Sprintf("the leaf certificate of %s at %s expires on %s", d.Name, a.Address, a.LeafExpires.Format(time.DateOnly))
		}
	}
	return ""
}
