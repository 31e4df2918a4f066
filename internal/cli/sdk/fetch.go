package sdk

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/sdkclient"
	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/userfile"
)

// FetchOptions holds what `approov sdk fetch` needs.
type FetchOptions struct {
	IO        *iostreams.IOStreams
	Auth      func() *login.Manager
	JSON      *cmdutil.JSONFlags
	URL       string
	PublicKey string
	Account   string
	CAFile    string
	Timeout   time.Duration
}

// NewCmdFetch builds `approov sdk fetch`.
func NewCmdFetch(f *cmdutil.Factory, runF func(*FetchOptions) error) *cobra.Command {
	opts := &FetchOptions{}
	cmd := &cobra.Command{
		Use:   "fetch <url> [--public-key FILE] [--account ID]",
		Short: "Fetch the configuration apps get now from the public endpoint, verified",
		Long: `Fetch the SDK configuration from approovd's public endpoint exactly as an app
does (internal/sdkclient): with a fresh random challenge, then check the
signature against the public key (--public-key FILE, else the account's,
which needs a session), the account, and the challenge signature. <url> is
the endpoint (https://HOST/v1/accounts/ID/sdk-config) or the server's URL
with --account. No role is needed with --public-key: the endpoint is public.
Exit 7 when the endpoint cannot be reached or its answer does not verify,
6 when a local input (the public key, the CA file) is invalid.`,
		Example: `  $ approov sdk fetch https://approov.example.com/v1/accounts/acme/sdk-config --public-key config-key.pem
  $ approov sdk fetch https://approov.example.com --account acme --public-key config-key.pem --json=version,domains`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.URL = f.IOStreams, f.Auth, args[0]
			if runF != nil {
				return runF(opts)
			}
			return runFetch(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.PublicKey, "public-key", "", "verify with the PEM public key in `file` (default: the account's, from a session)")
	cmd.Flags().StringVar(&opts.Account, "account", "", "the account `id` (default: the one the URL names)")
	cmd.Flags().StringVar(&opts.CAFile, "ca-file", "", "verify the server with the CA certificates in `file` instead of the system roots")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 10*time.Second, "deadline of the fetch")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"account", "version", "issued_at", "domains", "pinning_disabled"})
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

func runFetch(ctx context.Context, opts *FetchOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	endpoint, err := opts.endpoint()
	if err != nil {
		return err
	}
	client, err := opts.client(ctx, endpoint)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if _, err := client.Fetch(ctx); err != nil {
		return fault.New(fault.Network, "%s: %w", endpoint, err)
	}
	c, _ := client.Current()
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, c)
	}
	return printConfig(opts.IO, c)
}

// endpointAccount is the account of an endpoint path
// /v1/accounts/ID/sdk-config, or false.
func endpointAccount(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/v1/accounts/")
	id, ok2 := strings.CutSuffix(rest, "/sdk-config")
	if !ok || !ok2 || !auth.ValidAccountID(id) {
		return "", false
	}
	return id, true
}

// endpoint resolves <url> and --account into the endpoint URL, and sets
// the account from the URL when --account is not given.
func (opts *FetchOptions) endpoint() (string, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return "", cmdutil.FlagErrorf("%q is not an https:// URL of approovd", opts.URL)
	}
	if id, ok := endpointAccount(u.Path); ok {
		if opts.Account != "" && opts.Account != id {
			return "", cmdutil.FlagErrorf("the URL names account %s, --account %s", id, opts.Account)
		}
		opts.Account = id
		return u.String(), nil
	}
	if opts.Account == "" || !auth.ValidAccountID(opts.Account) {
		return "", cmdutil.FlagErrorf("give the endpoint URL (…/v1/accounts/ID/sdk-config) or a valid --account")
	}
	u.Path = "/v1/accounts/" + opts.Account + "/sdk-config"
	return u.String(), nil
}

// client is an SDK client holding nothing yet, so that any version the
// endpoint serves, once verified, is shown.
func (opts *FetchOptions) client(ctx context.Context, endpoint string) (*sdkclient.Client, error) {
	pem, err := (&VerifyOptions{Auth: opts.Auth, PublicKey: opts.PublicKey}).publicKey(ctx)
	if err != nil {
		return nil, err
	}
	pub, err := sdkconfig.ParsePublicKey(pem)
	if err != nil {
		return nil, err
	}
	roots, err := opts.roots()
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: opts.Timeout, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	return sdkclient.New(sdkclient.Options{URL: endpoint, PublicKey: pub, Account: opts.Account, HTTP: hc, Empty: true})
}

func (opts *FetchOptions) roots() (*x509.CertPool, error) {
	if opts.CAFile == "" {
		return nil, nil
	}
	f, err := userfile.Open(opts.CAFile)
	if err != nil {
		return nil, fault.New(fault.Invalid, "--ca-file %w", err)
	}
	defer f.Close()
	certs, err := pins.ReadCertificates(f)
	if err != nil {
		return nil, fault.New(fault.Invalid, "--ca-file %s: %w", opts.CAFile, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
