package monitoring

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
)

// SetOptions holds what `approov monitoring set` needs.
type SetOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags

	Interval      time.Duration
	Emails        []string
	Webhook       string
	SecretStdin   bool
	setEmails     bool
	setWebhook    bool
	emailsCleared bool
}

// NewCmdSet builds `approov monitoring set`.
func NewCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{}
	cmd := &cobra.Command{
		Use:   "set [--interval D] [--email ADDR]... [--webhook URL] [--webhook-secret-stdin]",
		Short: "Change the check interval and where notifications go",
		Long: `Change the account's monitoring settings; what is not given stays as it was.
--interval is between 1m and 24h (default 15m). --email replaces the list of
recipients (repeat it; --no-email clears it). --webhook sets the URL (https;
"" removes it); a new webhook needs its HMAC secret, read from the first line
of stdin with --webhook-secret-stdin (16 to 256 bytes), never from a flag.
docs/notifications.md shows how a receiver verifies the signature.`,
		Example: `  $ approov monitoring set --interval 5m
  $ approov monitoring set --email ops@example.com --email oncall@example.com
  $ approov monitoring set --webhook https://hooks.example.com/approov --webhook-secret-stdin < hook.secret`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth = f.IOStreams, f.Auth()
			opts.setEmails, opts.setWebhook = c.Flags().Changed("email") || opts.emailsCleared, c.Flags().Changed("webhook")
			if runF != nil {
				return runF(opts)
			}
			return runSet(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&opts.Interval, "interval", 0, "time between two checks of a domain (1m to 24h)")
	fl.StringArrayVar(&opts.Emails, "email", nil, "send notifications to this `address` (repeatable; replaces the list)")
	fl.BoolVar(&opts.emailsCleared, "no-email", false, "send no email notifications")
	fl.StringVar(&opts.Webhook, "webhook", "", "POST notifications to this https `URL` (\"\" removes the webhook)")
	fl.BoolVar(&opts.SecretStdin, "webhook-secret-stdin", false, "read the webhook's HMAC secret from the first line of stdin")
	cmd.MarkFlagsMutuallyExclusive("email", "no-email")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"interval", "emails", "webhook", "webhook_secret_set", "page"})
	cmdutil.RequireRoles(cmd, role.Admin)
	return cmd
}

func (opts *SetOptions) request() (api.MonitoringSetRequest, error) {
	req := api.MonitoringSetRequest{Interval: opts.Interval}
	if opts.setEmails {
		emails := append([]string{}, opts.Emails...)
		req.Emails = &emails
	}
	if opts.setWebhook {
		req.Webhook = &opts.Webhook
	}
	if opts.SecretStdin {
		secret, err := prompter.PasswordFromStdin(opts.IO.In)
		if err != nil {
			return req, err
		}
		req.WebhookSecret = secret
	}
	if req.Interval == 0 && req.Emails == nil && req.Webhook == nil && req.WebhookSecret == nil {
		return req, cmdutil.FlagErrorf("nothing to change: give --interval, --email, --no-email, --webhook or --webhook-secret-stdin")
	}
	return req, nil
}

func runSet(ctx context.Context, opts *SetOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	req, err := opts.request()
	if err != nil {
		return err
	}
	out, err := call(ctx, opts.Auth, api.OpMonitoringSet, req)
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, out)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s %s\n", opts.IO.ErrColorScheme().SuccessIcon(), describeSettings(out))
	return nil
}
