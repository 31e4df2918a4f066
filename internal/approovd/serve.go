package approovd

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/monitor"
	"github.com/approov-cli/approov/internal/server"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/storeurl"
)

// Defaults of serve.
const (
	DefaultListen    = "127.0.0.1:8443"
	DefaultStoreFile = "/var/lib/approovd/approovd.db"
)

// ServeOptions holds what `approovd serve` needs.
type ServeOptions struct {
	F         *Factory
	Listen    string
	TLSCert   string
	TLSKey    string
	Store     string
	StateDir  string
	Dev       bool
	AddrFile  string
	LogFormat string
	Limits    server.Limits
	Monitor   MonitorOptions // continuous API monitoring (issue 13)
}

// NewCmdServe builds `approovd serve`.
func NewCmdServe(f *Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the approov API over HTTPS",
		Long: `Serve the approov API (docs/api.md) over HTTPS on --listen, on the store at
--store, until SIGTERM or SIGINT; in-flight requests then get up to 10 s to
finish. GET /healthz answers while the process runs, GET /readyz while the
store answers and accepts writes (not a read-only standby). One JSON log line per request goes to stderr (never a body,
header or query: no secret, code or token).

The store is a bolt file (bolt:///path/file.db, one approovd process) or a
PostgreSQL database (postgres://user@host/db?sslmode=verify-full, shared by
several instances; options in docs/store-postgres.md). A missing file, or a
database with no approov table, gets a new store. A PostgreSQL store whose
schema this approovd does not know is refused (exit 6): an older one says to
run "approovd store migrate", a newer one that this approovd is older than
the store. An unreachable database is exit 7.

The state directory (--state-dir) holds the --dev certificate and, for a bolt
store, the admin socket; it defaults to the bolt file's directory, or
/var/lib/approovd for PostgreSQL.

With --dev, approovd makes a self-signed certificate once and keeps it in the
state directory (restarts keep it), prints its pin, and listens on loopback
only; "approovd account create" then puts the pin in the codes it prints, so
"approov init" trusts the server with no CA file. Without --dev, give the
certificate and key (PEM) with --tls-cert and --tls-key.

While it runs on a bolt store, approovd holds the file and answers "approovd
account create" on a socket in the state directory (approovd.sock, mode
0600). On PostgreSQL, account create opens the database itself.`,
		Example: `  $ approovd serve --dev --store bolt://$HOME/.approovd/approovd.db
  $ approovd serve --listen :443 --tls-cert cert.pem --tls-key key.pem --store bolt:///var/lib/approovd/approovd.db
  $ approovd serve --listen :443 --tls-cert cert.pem --tls-key key.pem --store 'postgres://approov@db.example.com/approov?sslmode=verify-full'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runServe(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", DefaultListen, "address to listen on (host:port)")
	fl.StringVar(&opts.TLSCert, "tls-cert", "", "TLS certificate chain, PEM")
	fl.StringVar(&opts.TLSKey, "tls-key", "", "TLS private key, PEM")
	fl.StringVar(&opts.Store, "store", "bolt://"+DefaultStoreFile, storeFlagHelp)
	fl.StringVar(&opts.StateDir, "state-dir", "", stateDirFlagHelp)
	fl.BoolVar(&opts.Dev, "dev", false, "self-signed certificate kept beside the store, loopback only")
	fl.StringVar(&opts.AddrFile, "addr-file", "", "write the address listened on to this file once serving (for scripts)")
	fl.StringVar(&opts.LogFormat, "log-format", "json", "log format: json or text")
	fl.Float64Var(&opts.Limits.PerAddress, "rate-per-address", server.DefaultLimits.PerAddress, "requests per second per client address")
	fl.IntVar(&opts.Limits.AddressBurst, "burst-per-address", server.DefaultLimits.AddressBurst, "burst per client address")
	fl.Float64Var(&opts.Limits.PerAccount, "rate-per-account", server.DefaultLimits.PerAccount, "requests per second per account")
	fl.IntVar(&opts.Limits.AccountBurst, "burst-per-account", server.DefaultLimits.AccountBurst, "burst per account")
	addMonitorFlags(fl, &opts.Monitor)
	return cmd
}

// serveGCPercent is approovd's GOGC unless the environment sets one. Its
// live heap is small (caches, connection buffers: a few MiB) and nearly
// all a request allocates dies with it, so the default (100) runs a
// collection many times a second under load for little: about an eighth
// of approovd's CPU per signed read in docs/bench/approovd.sh. At 400 the
// heap may grow to five times the live one between collections.
const serveGCPercent = 400

// tuneGC sets serveGCPercent unless GOGC is set, and returns the undo.
func tuneGC(getenv func(string) string) (undo func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(serveGCPercent)
	return func() { debug.SetGCPercent(old) }
}

func runServe(ctx context.Context, opts *ServeOptions) error {
	defer tuneGC(opts.F.Getenv)()
	u, err := storeurl.Parse(opts.Store)
	if err != nil {
		return err
	}
	dir := stateDir(opts.StateDir, u)
	cert, pin, err := certificate(opts, dir)
	if err != nil {
		return err
	}
	log, err := opts.F.Logger(opts.LogFormat)
	if err != nil {
		return err
	}
	st, err := storeurl.OpenOrCreate(ctx, u, 0)
	if err != nil {
		return err
	}
	defer st.Close()
	if b, ok := st.(*store.Bolt); ok {
		b.SetGroupCommit(true) // many clients: share commits
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return fault.New(fault.Usage, "listen on %s: %v", opts.Listen, err)
	}
	defer ln.Close()
	mailer, err := opts.Monitor.mailer(opts.F.Getenv)
	if err != nil {
		return err
	}
	svc := service.New(st, service.Options{Now: opts.F.Now, Mailer: mailer})
	startMonitor(ctx, &opts.Monitor, &monitor.Loop{Service: svc, Logger: log, Every: opts.Monitor.Every})
	stopAdmin, err := startAdmin(ctx, dir, st, opts.F.Now)
	if err != nil {
		return err
	}
	defer stopAdmin()
	if err := announce(opts, ln.Addr().String(), pin); err != nil {
		return err
	}
	log.Info("serving", "addr", ln.Addr().String(), "store", u.String(), "dev", opts.Dev)
	err = serveTLS(ctx, opts, svc, log, cert, ln)
	log.Info("stopped")
	return err
}

// startAdmin serves the admin socket of a bolt store, which this process
// holds alone; a PostgreSQL store needs none (account create opens it).
func startAdmin(ctx context.Context, dir string, st store.Store, now func() time.Time) (func(), error) {
	if _, ok := st.(*store.Bolt); !ok {
		return func() {}, nil
	}
	return serveAdmin(ctx, dir, st, now)
}

func serveTLS(ctx context.Context, opts *ServeOptions, svc *service.Service, log *slog.Logger, cert tls.Certificate, ln net.Listener) error {
	srv := server.New(server.Config{Service: svc, Logger: log, Limits: opts.Limits})
	hs := srv.HTTPServer(srv.Handler())
	hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return server.Serve(ctx, hs, ln, func(hs *http.Server, ln net.Listener) error { return hs.ServeTLS(ln, "", "") })
}

// certificate is the server's TLS certificate: the --dev one (and its pin)
// or the one given.
func certificate(opts *ServeOptions, dir string) (tls.Certificate, []byte, error) {
	if opts.Dev {
		if opts.TLSCert != "" || opts.TLSKey != "" {
			return tls.Certificate{}, nil, fault.New(fault.Usage, "--dev makes its own certificate: drop --tls-cert and --tls-key")
		}
		if err := loopbackOnly(opts.Listen); err != nil {
			return tls.Certificate{}, nil, err
		}
		return server.DevCertificate(dir)
	}
	if opts.TLSCert == "" || opts.TLSKey == "" {
		return tls.Certificate{}, nil, fault.WithHint(fault.New(fault.Usage, "approovd serves HTTPS only: give --tls-cert and --tls-key"),
			"for a try-out on this machine, approovd serve --dev")
	}
	cert, err := tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
	if err != nil {
		return tls.Certificate{}, nil, fault.New(fault.Invalid, "TLS certificate: %v", err)
	}
	return cert, nil, nil
}

// loopbackOnly refuses a --dev server reachable from other machines: its
// certificate is trusted by a pin in codes, not by a CA.
func loopbackOnly(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fault.New(fault.Usage, "--listen %q: %v", listen, err)
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fault.WithHint(fault.New(fault.Usage, "--dev listens on loopback only, not %q", listen),
		"use --listen 127.0.0.1:PORT, or a real certificate with --tls-cert and --tls-key")
}

// announce tells the operator (and scripts, through --addr-file) where the
// server listens, and the --dev certificate's pin.
func announce(opts *ServeOptions, addr string, pin []byte) error {
	errOut := opts.F.IO.ErrOut
	fmt.Fprintf(errOut, "approovd listening on https://%s\n", addr)
	if pin != nil {
		fmt.Fprintf(errOut, "dev certificate pin: %s (codes from \"approovd account create\" carry it)\n", auth.WithPin("", pin)[1:])
	}
	if opts.AddrFile == "" {
		return nil
	}
	tmp := opts.AddrFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644); err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	return os.Rename(tmp, filepath.Clean(opts.AddrFile))
}
