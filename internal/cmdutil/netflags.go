package cmdutil

import (
	"context"
	"crypto/x509"
	"errors"
	"net/netip"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/userfile"
	"github.com/spf13/pflag"
)

// NetFlags are the TLS and deadline flags shared by the commands that probe
// live endpoints.
type NetFlags struct {
	CAFile           string
	Insecure         bool
	ServerName       string
	Timeout          time.Duration
	ConnectTimeout   time.Duration
	HandshakeTimeout time.Duration
	// Lookup replaces DNS resolution (tests); nil uses the system resolver.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// AddNetFlags registers the flags; insecure adds --insecure and --servername,
// which only make sense when reading pins, never when checking them.
func AddNetFlags(fs *pflag.FlagSet, n *NetFlags, insecure bool) {
	fs.StringVar(&n.CAFile, CAFileFlag, "", "verify TLS servers (these endpoints, and approovd on the remote backend) with the CA certificates in `file` (PEM, DER or PKCS#7) instead of the system roots, for private PKI")
	fs.DurationVar(&n.Timeout, "timeout", pins.DefaultTimeout, "overall deadline for each endpoint, all its addresses included")
	fs.DurationVar(&n.ConnectTimeout, "connect-timeout", pins.DefaultDialTimeout, "deadline for DNS resolution and each TCP connection")
	fs.DurationVar(&n.HandshakeTimeout, "handshake-timeout", pins.DefaultHandshakeTimeout, "deadline for each TLS handshake")
	if insecure {
		fs.BoolVar(&n.Insecure, "insecure", false, "do not verify the chain (pins may then come from a man in the middle)")
		fs.StringVar(&n.ServerName, "servername", "", "send this `name` as SNI and verify the certificate for it (default: the endpoint's host)")
	}
}

// Validate checks the deadlines, --servername and what cannot go together.
func (n *NetFlags) Validate() error {
	for name, d := range map[string]time.Duration{"--timeout": n.Timeout, "--connect-timeout": n.ConnectTimeout, "--handshake-timeout": n.HandshakeTimeout} {
		if d <= 0 {
			return FlagErrorf("%s must be positive", name)
		}
	}
	if n.Insecure && n.CAFile != "" {
		return FlagErrorf("--insecure and --ca-file cannot be used together")
	}
	if n.ServerName != "" {
		if _, err := pins.NormalizeHostname(n.ServerName); err != nil {
			return FlagErrorf("--servername: %v", err)
		}
	}
	return nil
}

// FetchOptions builds the library options, reading --ca-file.
func (n *NetFlags) FetchOptions(now func() time.Time) (pins.FetchOptions, error) {
	opts := pins.FetchOptions{
		Insecure: n.Insecure, ServerName: n.ServerName, Lookup: n.Lookup, Now: now,
		DialTimeout: n.ConnectTimeout, HandshakeTimeout: n.HandshakeTimeout,
	}
	if n.CAFile == "" {
		return opts, nil
	}
	pool, err := loadPool(n.CAFile)
	opts.Roots = pool
	return opts, err
}

func loadPool(path string) (*x509.CertPool, error) {
	f, err := userfile.Open(path)
	if err != nil {
		return nil, fault.New(fault.Invalid, "--ca-file %w", err)
	}
	defer f.Close()
	certs, err := pins.ReadCertificates(f)
	if err != nil {
		return nil, fault.New(fault.Invalid, "--ca-file %s: %w", path, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// NotVerifiedHint adds the next step to an unverified-chain error: the
// one UnverifiedHint gives for caFile, the --ca-file given (if any).
func NotVerifiedHint(err error, allowInsecure bool, caFile string) error {
	if !errors.Is(err, pins.ErrNotVerified) || fault.HintOf(err) != "" {
		return err
	}
	hint := UnverifiedHint(caFile)
	if allowInsecure && caFile == "" {
		hint += ", or --insecure to read the pins anyway (never ship pins read that way unchecked)"
	}
	return fault.WithHint(err, hint)
}

// UnverifiedHint is the next step after a chain that did not verify. It
// suggests --ca-file only when none was given: with one, the chain does
// not lead to a CA in that file, and "--ca-file" again would send the
// user in a circle.
func UnverifiedHint(caFile string) string {
	if caFile != "" {
		return "check that " + caFile + " holds the CA that issued the server's chain"
	}
	return "--ca-file ROOTS.pem if the server uses a private CA"
}
