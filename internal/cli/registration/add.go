package registration

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cli/measure"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
)

// AddOptions holds what `approov registration add` needs.
type AddOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
	// Inspect measures one file; tests replace it.
	Inspect func(ctx context.Context, path string, opts appsig.Options) (*appsig.Record, error)

	Files       []string
	ExpireAfter time.Duration
}

// NewCmdAdd builds `approov registration add`.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{Inspect: appsig.Inspect}
	var after string
	cmd := &cobra.Command{
		Use:   "add <file>... [--expire-after D]",
		Short: "Register builds by their measurement",
		Long: `Measure and verify each .apk, .aab or .ipa locally, as approov app inspect
does, and register its measurement. A file that fails verification is refused
(exit 6) and nothing of it is sent. Registering a build again reports it as
already registered; a new --expire-after updates its expiry, and an expired
registration is renewed. With several files each is reported and the command
exits non-zero if any failed; the others are still registered.`,
		Example: `  $ approov registration add app-release.apk
  $ approov registration add app.aab app.ipa --expire-after 30d
  $ approov registration add app-release.apk --json --jq '.[].registration.id'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Files = f.IOStreams, f.Auth(), args
			var err error
			if opts.ExpireAfter, err = parseAfter(after); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAdd(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&after, "expire-after", "", "the registration stops counting after this long: 30d, 2w, 36h")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"outcome", "registration", "covered_by"})
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev, role.Automation, role.Delegate)
	return cmd
}

func runAdd(ctx context.Context, opts *AddOptions) error {
	added := []api.RegistrationAdded{}
	var failed []fault.Kind
	for _, path := range opts.Files {
		out, err := addOne(ctx, opts, path)
		if err != nil {
			if stop(err) {
				return err
			}
			failed = append(failed, fault.KindOf(err))
			fmt.Fprintf(opts.IO.ErrOut, "%s %s: %s\n", opts.IO.ErrColorScheme().FailureIcon(), safetext.Escape(path), safetext.Escape(err.Error()))
			continue
		}
		added = append(added, out)
		report(opts, out)
	}
	if opts.JSON.Enabled() {
		if err := opts.JSON.Write(opts.IO, added); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return cmdutil.SilentError(failed[0]) // the first failure's exit code
	}
	return nil
}

// stop: errors that would fail every other file too end the command.
func stop(err error) bool {
	switch fault.KindOf(err) {
	case fault.Auth, fault.Permission, fault.Network, fault.Cancelled, fault.Usage:
		return true
	}
	return false
}

// addOne measures a file and registers it; an unverified file is refused
// before anything is sent.
func addOne(ctx context.Context, opts *AddOptions, path string) (api.RegistrationAdded, error) {
	rec, err := measure.Measure(ctx, opts.IO, path, opts.Inspect)
	if err != nil {
		return api.RegistrationAdded{}, err
	}
	if !rec.Verified {
		return api.RegistrationAdded{}, fault.New(fault.Invalid, "failed verification: %s", rec.Problem)
	}
	req := api.AddRegistrationRequest{Measurement: measurementOf(rec), ExpireAfter: opts.ExpireAfter}
	out, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.RegistrationAdded, error) {
		return backend.Call(ctx, c.Backend, api.OpRegistrationAdd, c.Caller, req)
	})
	if err == nil {
		_ = complete.Add(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Registrations, out.Registration.ID)
	}
	return out, err
}

// report prints one registration's outcome on stderr (stdout is for --json).
func report(opts *AddOptions, out api.RegistrationAdded) {
	if opts.JSON.Enabled() {
		return
	}
	r := out.Registration
	line := fmt.Sprintf("%s %s: %s, id %s", opts.IO.ColorScheme().SuccessIcon(), appLine(r.Measurement), out.Outcome, r.ID)
	if !r.ExpiresAt.IsZero() {
		line += ", expires " + r.ExpiresAt.Format(time.RFC3339)
	}
	fmt.Fprintln(opts.IO.Out, line)
	if out.CoveredBy != "" {
		fmt.Fprintf(opts.IO.ErrOut, "  (it already counted as registered through %s; registered anyway)\n", safetext.Escape(out.CoveredBy))
	}
}
