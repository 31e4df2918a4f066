package pin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/tableprinter"
	"github.com/spf13/cobra"
)

// CheckOptions holds what `approov pin check` needs.
type CheckOptions struct {
	IO          *iostreams.IOStreams
	Now         func() time.Time
	JSON        *cmdutil.JSONFlags
	Live        cmdutil.LiveFlags
	File        string
	Domains     []string
	Concurrency int
}

var checkFields = []string{"domain", "endpoint", "ok", "addresses", "warnings", "error"}

// NewCmdCheck builds `approov pin check`; runF replaces the run function in tests.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check --file <pins.json> [domain...]",
		Short: "Check a pin set against the live certificate chains of its domains",
		Long: `Connect to every domain of a pin set (or only the domains given), verify its
chain for the domain name, and check that one of the domain's pins matches a
certificate of the verified chain. Every address a domain resolves to is
checked. Domains are checked concurrently (--concurrency at a time).

Warnings (on standard error) say when only a backup pin matched, when a domain
has a single pin or no backup, when a leaf certificate or the pin set expires
within 30 days, and when the addresses of one domain serve different keys.

Exit status: 0 when every domain passes; 7 when a domain cannot be reached,
does not verify or matches none of its pins; 6 when all pass but a pin set has
expired or expires within 30 days. Made for cron and CI.`,
		Example: `  $ approov pin check --file pins.json
  $ approov pin check --file pins.json api.example.com
  $ approov pin check --file pins.json --connect-to api.example.com=staging.example.com:8443
  $ approov pin check --file pins.json --json=domain,ok,error`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Now, opts.Domains = f.IOStreams, f.Now, args
			if runF != nil {
				return runF(opts)
			}
			return runCheck(c.Context(), opts)
		},
	}
	fs := cmd.Flags()
	addFileFlag(fs, &opts.File)
	cmdutil.AddLiveFlags(fs, &opts.Live)
	fs.IntVar(&opts.Concurrency, "concurrency", pins.DefaultConcurrency, "domains checked at once (1-64)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, checkFields)
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	co, err := opts.checkOptions()
	if err != nil {
		return err
	}
	set, err := readPinSet(opts.IO, opts.File)
	if err != nil {
		return err
	}
	if err := selectDomains(set, opts.Domains); err != nil {
		return err
	}
	results := pins.Check(ctx, set, co)
	if err := renderCheck(opts, results); err != nil {
		return err
	}
	for _, r := range results {
		for _, w := range r.Warnings {
			opts.IO.Warnf("%s", w)
		}
	}
	return checkVerdict(set, results, opts.Now(), opts.Live.Net.CAFile)
}

func (opts *CheckOptions) checkOptions() (pins.CheckOptions, error) {
	if err := opts.JSON.Validate(); err != nil {
		return pins.CheckOptions{}, err
	}
	if opts.Concurrency < 1 || opts.Concurrency > 64 {
		return pins.CheckOptions{}, cmdutil.FlagErrorf("--concurrency must be from 1 to 64")
	}
	co, err := opts.Live.CheckOptions(opts.Now)
	co.Concurrency = opts.Concurrency
	return co, err
}

// selectDomains keeps only the named domains, in the set's order.
func selectDomains(set *pins.PinSet, names []string) error {
	if len(names) == 0 {
		return nil
	}
	keep := map[string]bool{}
	for _, n := range names {
		name, err := pins.NormalizeHostname(n)
		if err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
		keep[name] = true
	}
	var domains []pins.Domain
	for _, d := range set.Domains {
		if keep[d.Name] {
			domains = append(domains, d)
			delete(keep, d.Name)
		}
	}
	for name := range keep {
		return fault.New(fault.Invalid, "domain %s is not in the pin set", name)
	}
	set.Domains = domains
	return nil
}

func renderCheck(opts *CheckOptions, results []pins.DomainResult) error {
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, results)
	}
	cs := opts.IO.ColorScheme()
	t := tableprinter.New(opts.IO, "DOMAIN", "ADDRESS", "RESULT", "MATCHED", "LEAF EXPIRES", "DETAIL")
	for _, r := range results {
		if len(r.Addresses) == 0 {
			t.AddRow(r.Domain, "", cs.FailureIcon(), "", "", r.Error)
		}
		for _, a := range r.Addresses {
			result, matched, detail := cs.FailureIcon(), "", a.Error
			if a.OK {
				result = cs.SuccessIcon()
				matched = fmt.Sprintf("%s %s (%s)", a.Matched.Label, a.Matched.Position, a.Matched.Name)
				detail = a.Matched.Pin.OkHttp()
			}
			t.AddRow(r.Domain, a.Address, result, matched, a.LeafExpires, detail)
		}
	}
	return t.Render()
}

// checkVerdict turns the results into the exit status: network failures
// first (7), then expired or soon-expiring pin sets (6).
func checkVerdict(set *pins.PinSet, results []pins.DomainResult, now time.Time, caFile string) error {
	failed, unverified := 0, false
	for _, r := range results {
		if !r.OK {
			failed++
			unverified = unverified || errors.Is(r.Err, pins.ErrNotVerified)
		}
	}
	if failed > 0 {
		err := fault.New(fault.Network, "%d of %d domains failed the pin check", failed, len(results))
		if unverified {
			err = fault.WithHint(err, cmdutil.UnverifiedHint(caFile))
		}
		return err
	}
	for _, d := range set.Domains {
		if exp, ok := d.ExpiresTime(); ok && exp.Sub(now) < pins.DefaultExpirySoon {
			return fault.New(fault.Invalid, "the pin set of %s expires on %s: renew the expiry (Android stops enforcing expired pins silently)", d.Name, d.Expires)
		}
	}
	return nil
}
