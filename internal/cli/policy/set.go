package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// SetOptions holds what `approov policy set` needs. Empty strings and a
// zero Base leave a setting as it is.
type SetOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags

	Preset, Reject, Claims, Reasons string
	Lifetime, Grace, RiskyLifetime  string
	Base                            int64 // -1: the version read now
}

// NewCmdSet builds `approov policy set`.
func NewCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{}
	cmd := &cobra.Command{
		Use:   "set [flags]",
		Short: "Change the attestation policy",
		Long: `Change some settings of the policy; the others stay. The change is based on
the version read first (or --base N): if another admin changed the policy in
between, it fails with exit 3 and changes nothing. Lists are comma-separated;
"none" empties one.`,
		Example: `  $ approov policy set --preset strict
  $ approov policy set --reject rooted,instrumentation --reasons on
  $ approov policy set --claims iss,sub,aud,ipk
  $ approov policy set --lifetime 5m --grace 30s --risky-lifetime 2m --base 4`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			if runF != nil {
				return runF(opts)
			}
			return runSet(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Preset, "preset", "", "reject what a preset rejects: "+strings.Join(api.PresetNames, ", "))
	fl.StringVar(&opts.Reject, "reject", "", "the properties that reject: "+strings.Join(api.Properties, ",")+" or none")
	fl.StringVar(&opts.Claims, "claims", "", "optional token claims: "+strings.Join(api.Claims, ",")+" or none")
	fl.StringVar(&opts.Reasons, "reasons", "", "give failing apps the rejection reasons: on or off")
	fl.StringVar(&opts.Lifetime, "lifetime", "", "token lifetime, 1m to 1h (default 5m)")
	fl.StringVar(&opts.Grace, "grace", "", "grace added to the token lifetime, 0s to 5m (default 10s)")
	fl.StringVar(&opts.RiskyLifetime, "risky-lifetime", "", "token lifetime of a risky device, 30s to the lifetime (default 2m)")
	fl.Int64Var(&opts.Base, "base", -1, "the policy version the change is based on (default: the current one)")
	opts.JSON = cmdutil.AddJSONFlags(cmd, policyFields)
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func runSet(ctx context.Context, opts *SetOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	p, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.TokenPolicy, error) {
		cur, err := backend.Call(ctx, c.Backend, api.OpPolicyShow, c.Caller, api.Empty{})
		if err != nil {
			return cur, err
		}
		req, err := opts.request(cur)
		if err != nil {
			return cur, err
		}
		return backend.Call(ctx, c.Backend, api.OpPolicySet, c.Caller, req)
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, p)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Policy is now version %d\n", opts.IO.ErrColorScheme().SuccessIcon(), p.Version)
	render(opts.IO, p)
	return nil
}

// request applies the flags to the current policy.
func (o *SetOptions) request(cur api.TokenPolicy) (api.PolicySetRequest, error) {
	req := api.PolicySetRequest{BaseVersion: cur.Version, Reject: cur.Reject, Claims: cur.Claims, Reasons: cur.Reasons,
		Lifetime: cur.Lifetime, Grace: cur.Grace, RiskyLifetime: cur.RiskyLifetime}
	if o.Base >= 0 {
		req.BaseVersion = uint64(o.Base)
	}
	steps := []func(*api.PolicySetRequest) error{o.applyLists, o.applyReasons, o.applyLifetimes}
	for _, step := range steps {
		if err := step(&req); err != nil {
			return req, err
		}
	}
	return req, nil
}

func (o *SetOptions) applyLists(req *api.PolicySetRequest) error {
	if o.Preset != "" && o.Reject != "" {
		return cmdutil.FlagErrorf("give --preset or --reject, not both")
	}
	if o.Preset != "" {
		reject, ok := api.Presets[o.Preset]
		if !ok {
			return cmdutil.FlagErrorf("--preset %q: want one of %s", o.Preset, strings.Join(api.PresetNames, ", "))
		}
		req.Reject = slices.Clone(reject)
	}
	var err error
	if o.Reject != "" {
		req.Reject, err = splitList("--reject", o.Reject, api.Properties)
	}
	if err == nil && o.Claims != "" {
		req.Claims, err = splitList("--claims", o.Claims, api.Claims)
	}
	return err
}

// splitList reads a comma-separated list of known names, or "none".
func splitList(flag, s string, known []string) ([]string, error) {
	if s == "none" {
		return []string{}, nil
	}
	out := []string{}
	for _, v := range strings.Split(s, ",") {
		v = strings.TrimSpace(v)
		if !slices.Contains(known, v) {
			return nil, cmdutil.FlagErrorf("%s: %q is not one of %s", flag, v, strings.Join(known, ", "))
		}
		out = append(out, v)
	}
	return out, nil
}

func (o *SetOptions) applyReasons(req *api.PolicySetRequest) error {
	switch o.Reasons {
	case "":
	case "on":
		req.Reasons = true
	case "off":
		req.Reasons = false
	default:
		return cmdutil.FlagErrorf("--reasons %q: want on or off", o.Reasons)
	}
	return nil
}

func (o *SetOptions) applyLifetimes(req *api.PolicySetRequest) error {
	for _, f := range []struct {
		flag, v string
		dst     *time.Duration
	}{{"--lifetime", o.Lifetime, &req.Lifetime}, {"--grace", o.Grace, &req.Grace}, {"--risky-lifetime", o.RiskyLifetime, &req.RiskyLifetime}} {
		if f.v == "" {
			continue
		}
		d, err := cmdutil.ParseDays(f.v)
		if err != nil || d < 0 {
			return cmdutil.FlagErrorf("%s %q: want a duration such as 5m or 30s", f.flag, f.v)
		}
		*f.dst = d
	}
	return nil
}
