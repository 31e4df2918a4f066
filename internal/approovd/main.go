// Package approovd is the approovd command line: `approovd serve` runs the
// service over HTTPS (internal/server) on a store, and `approovd account
// create` bootstraps an account on that store, through the running
// server's admin socket when there is one. It follows approov's command
// pattern (an Options struct, NewCmdX(f, runF) and runX per command), in
// a package of its own because its dependencies are the server's, not the
// CLI's.
package approovd

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/app"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/safetext"
)

// Factory holds what approovd's commands depend on.
type Factory struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Now    func() time.Time
	// Logger builds the server's logger on w in a format ("json", "text").
	Logger func(format string) (*slog.Logger, error)
}

// Main runs approovd with the process's arguments; SIGTERM and SIGINT
// cancel the command's context (serve shuts down gracefully).
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, iostreams.System(), os.Args[1:], os.Getenv)
}

// Run executes one approovd command line.
func Run(ctx context.Context, ios *iostreams.IOStreams, args []string, getenv func(string) string) int {
	f := &Factory{IO: ios, Getenv: getenv, Now: time.Now, Logger: func(format string) (*slog.Logger, error) { return newLogger(ios, format) }}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if fault.KindOf(err) == fault.Internal && !isFault(err) {
		err = fault.Wrap(fault.Usage, err) // cobra's own flag and argument errors
	}
	fmt.Fprintf(ios.ErrOut, "error: %s\n", safetext.Escape(err.Error()))
	if hint := fault.HintOf(err); hint != "" {
		fmt.Fprintf(ios.ErrOut, "try: %s\n", safetext.Escape(hint))
	}
	return app.ExitCode(err)
}

func isFault(err error) bool {
	var fe *fault.Error
	return asFault(err, &fe)
}

func newLogger(ios *iostreams.IOStreams, format string) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(ios.ErrOut, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(ios.ErrOut, nil)), nil
	}
	return nil, fault.New(fault.Usage, "--log-format %q: want json or text", format)
}

// NewCmdRoot builds approovd's command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "approovd <command>",
		Short: "The approov service: serve the API over HTTPS for a team",
		Long: `approovd serves the approov service API (docs/api.md) over HTTPS, so a team
shares one account from many machines and CI runners.

Start it on a laptop, with a self-signed certificate kept beside the store:

  approovd serve --dev

then create an account and give its onboarding code to the first admin, who
runs "approov init" with it. docs/approovd.md describes a real deployment:
TLS, the systemd unit, the store, backups and upgrades.

The store is a bolt file (one approovd) or a PostgreSQL database that several
instances share (--store postgres://…). "approovd store" migrates its schema,
dumps and restores an account, and copies a whole store from one to the
other.

Every flag has an environment-variable twin: APPROOVD_ and the flag's name
in upper case with dashes as underscores (APPROOVD_LISTEN, APPROOVD_STORE,
APPROOVD_TLS_CERT, …). A flag given on the command line wins.`,
		Example: `  $ approovd serve --dev
  $ approovd account create --name acme --user you@example.com --url https://127.0.0.1:8443
  $ approovd serve --listen :443 --tls-cert /etc/approovd/cert.pem --tls-key /etc/approovd/key.pem
  $ approovd store migrate --store 'postgres://approov@db.example.com/approov?sslmode=verify-full'
  $ approovd store copy --from bolt:///var/lib/approovd/approovd.db --to 'postgres://approov@db.example.com/approov'`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			return bindEnv(c, f.Getenv)
		},
	}
	cmd.AddCommand(NewCmdServe(f, nil), newCmdAccount(f), newCmdStore(f))
	return cmd
}
