package pin

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/tableprinter"
	"github.com/approov-cli/approov/internal/userfile"
	"github.com/spf13/cobra"
)

// ExtractOptions holds what `approov pin extract` needs.
type ExtractOptions struct {
	IO      *iostreams.IOStreams
	Now     func() time.Time
	JSON    *cmdutil.JSONFlags
	Net     cmdutil.NetFlags
	Sources []string
}

// Chain is one source's certificates: a file, or one address of an endpoint.
type Chain struct {
	Source       string          `json:"source"`
	Address      string          `json:"address,omitempty"`
	ServerName   string          `json:"server_name,omitempty"`
	Verified     bool            `json:"verified"`
	TLSVersion   string          `json:"tls_version,omitempty"`
	Certificates []pins.CertInfo `json:"certificates"`
	Error        string          `json:"error,omitempty"`
	err          error           // classified; Error is its text
}

var extractFields = []string{"source", "address", "server_name", "verified", "tls_version", "certificates", "error"}

// certExtensions are names that mean "a file", even when it does not exist.
var certExtensions = []string{".pem", ".crt", ".cer", ".der", ".p7b", ".p7c", ".p7", ".cert"}

// NewCmdExtract builds `approov pin extract`; runF replaces the run function in tests.
func NewCmdExtract(f *cmdutil.Factory, runF func(*ExtractOptions) error) *cobra.Command {
	opts := &ExtractOptions{}
	cmd := &cobra.Command{
		Use:   "extract <cert-file|host[:port]|https://url|->...",
		Short: "Print the pins of certificates in files or served by live endpoints",
		Long: `Print the SPKI pin of every certificate in a file (PEM with any number of
blocks, DER, or a PKCS#7 bundle; "-" reads standard input) or served by a live
TLS endpoint, with its subject, issuer, expiry and position in the chain.

For an endpoint, every address its name resolves to is probed and reported,
and the chain is verified against the system roots (or --ca-file) for the
host name, which is also sent as SNI. Pins are taken from the verified chain.
An argument that names an existing file is read as a file.`,
		Example: `  $ approov pin extract api.example.com
  $ approov pin extract https://api.example.com:8443/v1/health
  $ approov pin extract server-chain.pem
  $ approov pin extract --ca-file corp-root.pem internal.corp.example:8443
  $ approov pin extract api.example.com --json --jq '.[].certificates[] | select(.position=="leaf") | .pin'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Now, opts.Sources = f.IOStreams, f.Now, args
			if runF != nil {
				return runF(opts)
			}
			return runExtract(c.Context(), opts)
		},
	}
	cmdutil.AddNetFlags(cmd.Flags(), &opts.Net, true)
	opts.JSON = cmdutil.AddJSONFlags(cmd, extractFields)
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

func runExtract(ctx context.Context, opts *ExtractOptions) error {
	if err := opts.JSON.Validate(); err != nil {
		return err
	}
	if err := opts.Net.Validate(); err != nil {
		return err
	}
	if i := slices.Index(opts.Sources, "-"); i >= 0 && slices.Contains(opts.Sources[i+1:], "-") {
		return cmdutil.FlagErrorf("standard input (\"-\") can be read only once")
	}
	fo, err := opts.Net.FetchOptions(opts.Now)
	if err != nil {
		return err
	}
	if opts.Net.Insecure {
		opts.IO.Warnf("--insecure: chains are NOT verified; the pins below may come from a man in the middle. Confirm them out of band before shipping them.")
	}
	chains := opts.extractAll(ctx, fo)
	if err := renderChains(opts, chains); err != nil {
		return err
	}
	warnSplitHosts(opts.IO, chains)
	return chainErrors(opts.IO, chains)
}

// warnSplitHosts flags endpoints whose addresses serve different leaf keys
// (a CDN mid-rotation, or an interception on one path): pin both or neither.
func warnSplitHosts(ios *iostreams.IOStreams, chains []Chain) {
	leaves := map[string]map[pins.Pin]bool{}
	var order []string
	for _, c := range chains {
		if c.Address == "" || len(c.Certificates) == 0 {
			continue
		}
		if leaves[c.Source] == nil {
			leaves[c.Source] = map[pins.Pin]bool{}
			order = append(order, c.Source)
		}
		leaves[c.Source][c.Certificates[0].Pin] = true
	}
	for _, src := range order {
		if n := len(leaves[src]); n > 1 {
			ios.Warnf("the addresses of %s serve %d different leaf keys; check each before pinning one", src, n)
		}
	}
}

// extractAll reads every source, endpoints concurrently (a few at a time),
// and returns the chains in the order of the arguments.
func (opts *ExtractOptions) extractAll(ctx context.Context, fo pins.FetchOptions) []Chain {
	per := make([][]Chain, len(opts.Sources))
	sem := make(chan struct{}, pins.DefaultConcurrency)
	var wg sync.WaitGroup
	for i, src := range opts.Sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			per[i] = opts.extract(ctx, src, fo)
		}()
	}
	wg.Wait()
	var chains []Chain
	for _, c := range per {
		chains = append(chains, c...)
	}
	return chains
}

func (opts *ExtractOptions) extract(ctx context.Context, src string, fo pins.FetchOptions) []Chain {
	if src == "-" {
		return []Chain{fromReader("stdin", opts.IO.In)}
	}
	if looksLikePin(src) {
		err := fault.New(fault.Usage, "%s is a pin, not a certificate file or endpoint: pin extract computes pins from certificates", truncate(src))
		return []Chain{{Source: truncate(src), err: err, Error: err.Error()}}
	}
	if !strings.Contains(src, "://") && isFile(src) {
		return []Chain{fromFile(src)}
	}
	target, err := pins.ParseTarget(src)
	if err != nil {
		return []Chain{{Source: src, err: err, Error: err.Error()}}
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Net.Timeout)
	defer cancel()
	eps, err := pins.Fetch(ctx, target, fo)
	if len(eps) == 0 { // resolution failed
		return []Chain{{Source: target.String(), err: err, Error: err.Error()}}
	}
	out := make([]Chain, len(eps))
	for i, ep := range eps {
		out[i] = Chain{Source: ep.Target, Address: ep.Address, ServerName: ep.ServerName, Verified: ep.Verified,
			TLSVersion: ep.TLSVersion, Certificates: ep.Chain, Error: ep.Error, err: cmdutil.NotVerifiedHint(ep.Err, true, opts.Net.CAFile)}
	}
	return out
}

// looksLikePin spots a pin given where a certificate or endpoint was expected.
func looksLikePin(src string) bool {
	if _, err := os.Stat(src); err == nil {
		return false
	}
	_, _, err := pins.Parse(src)
	return err == nil && strings.ContainsAny(src, "+/=")
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// isFile says whether src names a file: anything that exists (a directory
// or a FIFO is then refused as one, never tried as a host name), or a
// certificate file name.
func isFile(src string) bool {
	if _, err := os.Stat(src); err == nil {
		return true
	}
	ext := strings.ToLower(filepath.Ext(src))
	for _, e := range certExtensions {
		if ext == e {
			return true
		}
	}
	return strings.ContainsRune(src, os.PathSeparator)
}

func fromFile(path string) Chain {
	f, err := userfile.Open(path)
	if err != nil {
		return Chain{Source: path, err: err, Error: err.Error()}
	}
	defer f.Close()
	return fromReader(path, f)
}

func fromReader(name string, r io.Reader) Chain {
	certs, err := pins.ReadCertificates(r)
	if err != nil {
		err = fault.New(fault.KindOf(err), "%s: %w", name, err)
		return Chain{Source: name, err: err, Error: err.Error()}
	}
	return Chain{Source: name, Certificates: pins.FileInfo(certs)}
}

func renderChains(opts *ExtractOptions, chains []Chain) error {
	if opts.JSON.Enabled() {
		for i := range chains {
			if chains[i].Certificates == nil {
				chains[i].Certificates = []pins.CertInfo{} // an array, never null
			}
		}
		return opts.JSON.Write(opts.IO, chains)
	}
	t := tableprinter.New(opts.IO, "SOURCE", "ADDRESS", "POSITION", "SUBJECT", "ISSUER", "EXPIRES", "PIN")
	for _, c := range chains {
		for _, cert := range c.Certificates {
			t.AddRow(c.Source, c.Address, string(cert.Position), cert.Name, cert.IssuerName, cert.NotAfter, cert.Pin.OkHttp())
		}
	}
	return t.Render()
}

// chainErrors returns the failure of a single failed source as is (with its
// hint), or prints each of several and returns the first one's kind.
func chainErrors(io *iostreams.IOStreams, chains []Chain) error {
	var failed []error
	for _, c := range chains {
		if c.err != nil {
			failed = append(failed, c.err)
		}
	}
	switch len(failed) {
	case 0:
		return nil
	case 1:
		return failed[0]
	}
	for _, err := range failed {
		fmt.Fprintf(io.ErrOut, "error: %s\n", safetext.Escape(err.Error()))
	}
	return fault.New(fault.KindOf(failed[0]), "%d of %d sources failed", len(failed), len(chains))
}
