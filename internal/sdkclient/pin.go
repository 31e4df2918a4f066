package sdkclient

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// Transport returns an HTTP transport that verifies certificate chains
// normally (against roots, or the system roots when nil) and then pins
// them with the configuration held at each handshake (see VerifyConnection).
func (c *Client) Transport(roots *x509.CertPool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = c.TLSConfig(roots)
	return t
}

// TLSConfig is the client TLS configuration Transport uses.
func (c *Client) TLSConfig(roots *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12, VerifyConnection: c.VerifyConnection}
}

// VerifyConnection pins a verified connection: when the host's domain is
// pinned, the leaf or any certificate of a verified chain must have the
// SPKI of one of its pins. Hosts the configuration does not name, domains
// without pinning, expired pins and a configuration with pinning_disabled
// are not pinned (the chain was still verified normally).
func (c *Client) VerifyConnection(cs tls.ConnectionState) error {
	cfg, _ := c.Current()
	d := DomainFor(cfg, cs.ServerName)
	if d == nil || !Enforced(cfg, *d, time.Now()) {
		return nil
	}
	for _, chain := range cs.VerifiedChains {
		for _, cert := range chain {
			if hasPin(d.Pins, pins.Compute(cert)) {
				return nil
			}
		}
	}
	return fault.New(fault.Network, "%s presented no pinned key (configuration version %d)", cs.ServerName, cfg.Version)
}

// DomainFor finds the configuration entry for host: its own entry, else
// the nearest parent domain with include_subdomains; nil for none.
func DomainFor(cfg sdkconfig.Config, host string) *sdkconfig.Domain {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for i := range cfg.Domains {
		if cfg.Domains[i].Name == host {
			return &cfg.Domains[i]
		}
	}
	var best *sdkconfig.Domain
	for i := range cfg.Domains {
		d := &cfg.Domains[i]
		if d.IncludeSubdomains && strings.HasSuffix(host, "."+d.Name) && (best == nil || len(d.Name) > len(best.Name)) {
			best = d
		}
	}
	return best
}

// Enforced reports whether d's pins apply at now: pinning on, the
// configuration not marked pinning_disabled, and the pins not past the
// end (UTC) of their expiry day.
func Enforced(cfg sdkconfig.Config, d sdkconfig.Domain, now time.Time) bool {
	if cfg.PinningDisabled || !d.Pinning {
		return false
	}
	if d.Expires == "" {
		return true
	}
	day, err := time.Parse(time.DateOnly, d.Expires)
	return err != nil || now.UTC().Before(day.AddDate(0, 0, 1))
}

func hasPin(set []pins.Pin, p pins.Pin) bool {
	for _, q := range set {
		if q == p {
			return true
		}
	}
	return false
}
