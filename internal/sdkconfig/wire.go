package sdkconfig

import (
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/pins"
)

// claims is the JWT payload, in the order docs/sdk-config.md shows.
type claims struct {
	Schema          int              `json:"schema"`
	Account         string           `json:"account"`
	Version         uint64           `json:"version"`
	IssuedAt        *jwt.NumericDate `json:"iat"`
	Domains         []wireDomain     `json:"domains"`
	PinningDisabled bool             `json:"pinning_disabled,omitempty"`
}

type wireDomain struct {
	Name              string   `json:"domain"`
	Token             bool     `json:"token"`
	Pinning           bool     `json:"pinning"`
	IncludeSubdomains bool     `json:"include_subdomains"`
	Expires           string   `json:"expires,omitempty"`
	Pins              []string `json:"pins"`
}

// The configuration carries no exp or nbf: apps must keep working offline;
// freshness comes from the version and the challenge.
func (c *claims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (c *claims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c *claims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c *claims) GetIssuer() (string, error)                   { return "", nil }
func (c *claims) GetSubject() (string, error)                  { return "", nil }
func (c *claims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// toWire makes the canonical payload: domains sorted, pins in order.
func toWire(c Config) *claims {
	w := &claims{Schema: SchemaVersion, Account: c.Account, Version: c.Version, PinningDisabled: c.PinningDisabled}
	iat := c.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	w.IssuedAt = jwt.NewNumericDate(iat)
	w.Domains = make([]wireDomain, 0, len(c.Domains))
	for _, d := range c.Domains {
		wd := wireDomain{Name: d.Name, Token: d.Token, Pinning: d.Pinning, IncludeSubdomains: d.IncludeSubdomains, Expires: d.Expires, Pins: []string{}}
		for _, p := range d.Pins {
			wd.Pins = append(wd.Pins, p.String())
		}
		w.Domains = append(w.Domains, wd)
	}
	slices.SortFunc(w.Domains, func(a, b wireDomain) int { return strings.Compare(a.Name, b.Name) })
	return w
}

// config checks the payload against the rules of docs/sdk-config.md and
// returns its content; Sign and Verify apply the same rules.
func (w *claims) config() (Config, error) {
	if err := w.checkTop(); err != nil {
		return Config{}, err
	}
	c := Config{Account: w.Account, Version: w.Version, IssuedAt: w.IssuedAt.UTC(), PinningDisabled: w.PinningDisabled, Domains: make([]Domain, 0, len(w.Domains))}
	seen := make(map[string]bool, len(w.Domains))
	for i := range w.Domains {
		d, err := w.Domains[i].domain()
		if err != nil {
			return Config{}, err
		}
		if seen[d.Name] {
			return Config{}, invalidf("domain %s appears twice in the configuration", d.Name)
		}
		seen[d.Name] = true
		c.Domains = append(c.Domains, d)
	}
	return c, nil
}

func (w *claims) checkTop() error {
	switch {
	case w.Schema != SchemaVersion:
		return invalidf("configuration schema %d is not supported (this version reads schema %d)", w.Schema, SchemaVersion)
	case !auth.ValidAccountID(w.Account):
		return invalidf("configuration account %s is not a valid account id", quote(w.Account))
	case w.Version < 1 || w.Version > MaxVersion:
		return invalidf("configuration version %d is not between 1 and %d", w.Version, uint64(MaxVersion))
	case w.IssuedAt == nil || w.IssuedAt.Unix() <= 0:
		return invalidf("configuration has no issue time (iat)")
	case len(w.Domains) > pins.MaxDomains:
		return invalidf("configuration has %d domains; at most %d are accepted", len(w.Domains), pins.MaxDomains)
	}
	return nil
}

func (wd *wireDomain) domain() (Domain, error) {
	name, err := pins.NormalizeHostname(wd.Name)
	if err != nil || name != wd.Name {
		return Domain{}, invalidf("configuration domain %s is not a normalised host name", quote(wd.Name))
	}
	d := Domain{Name: name, Token: wd.Token, Pinning: wd.Pinning, IncludeSubdomains: wd.IncludeSubdomains, Expires: wd.Expires, Pins: []pins.Pin{}}
	if err := wd.checkPinning(); err != nil {
		return Domain{}, err
	}
	for _, s := range wd.Pins {
		p, err := decodePin(s)
		if err != nil {
			return Domain{}, invalidf("domain %s: %w", name, err)
		}
		if slices.Contains(d.Pins, p) {
			return Domain{}, invalidf("domain %s: pin %s appears twice", name, p)
		}
		d.Pins = append(d.Pins, p)
	}
	return d, nil
}

func (wd *wireDomain) checkPinning() error {
	_, dated := pins.Domain{Expires: wd.Expires}.ExpiresTime()
	switch {
	case len(wd.Pins) > pins.MaxPinsPerDomain:
		return invalidf("domain %s has %d pins; at most %d are accepted", wd.Name, len(wd.Pins), pins.MaxPinsPerDomain)
	case wd.Pinning && len(wd.Pins) == 0:
		return invalidf("domain %s is pinned but has no pins", wd.Name)
	case !wd.Pinning && len(wd.Pins) > 0:
		return invalidf("domain %s has pins but pinning is off", wd.Name)
	case wd.Expires != "" && !dated:
		return invalidf("domain %s: expires %s is not a date (yyyy-mm-dd)", wd.Name, quote(wd.Expires))
	case wd.Expires != "" && !wd.Pinning:
		return invalidf("domain %s has a pin expiry but pinning is off", wd.Name)
	}
	return nil
}

// decodePin reads the canonical form only: padded standard base64 of 32 bytes.
func decodePin(s string) (pins.Pin, error) {
	var p pins.Pin
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) != len(p) {
		return p, invalidf("pin %s is not the padded standard base64 of a SHA-256 digest", quote(s))
	}
	copy(p[:], raw)
	return p, nil
}
