// Package sdkconfig signs and verifies the SDK configuration apps fetch: an
// ES256 JWT, signed by the account's P-256 configuration key, carrying the
// account id, a monotonic version, the issue time and the API domains with
// their pins and options. docs/sdk-config.md specifies the format for app
// developers. It also signs challenge responses, so that a client asking for
// a fresh configuration cannot be answered with a replayed one.
package sdkconfig

import (
	"errors"
	"strconv"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Format constants (docs/sdk-config.md).
const (
	Algorithm     = "ES256"
	MediaType     = "approov-sdk-config+jwt" // the header typ
	SchemaVersion = 1
)

// Bounds.
const (
	// MaxConfigSize: longer configurations are refused before any parsing
	// (1000 domains of 32 pins fit).
	MaxConfigSize = 4 << 20
	// MaxVersion keeps versions exact in JavaScript, Kotlin and Swift JSON
	// decoders that read numbers as doubles (2^53 - 1).
	MaxVersion = 1<<53 - 1
)

// Sentinels a client tests with errors.Is to decide what to do with a
// refused update (keep what it holds, and never accept the update later).
var (
	ErrRollback     = errors.New("rollback")
	ErrWrongAccount = errors.New("wrong account")
)

// Config is the content of a signed SDK configuration.
type Config struct {
	Account  string    `json:"account"`
	Version  uint64    `json:"version"`   // 1, 2, …: every change bumps it
	IssuedAt time.Time `json:"issued_at"` // whole seconds, UTC
	Domains  []Domain  `json:"domains"`
	// PinningDisabled is reserved for configurations served to devices an
	// admin marks for penetration testing: clients that know it stop
	// pinning; older clients ignore it and keep pinning (the safe side).
	PinningDisabled bool `json:"pinning_disabled"`
}

// Domain is one API domain and what the SDK does for it.
type Domain struct {
	Name              string     `json:"domain"`             // normalised DNS name
	Token             bool       `json:"token"`              // add an Approov token to requests
	Pinning           bool       `json:"pinning"`            // enforce Pins on connections
	IncludeSubdomains bool       `json:"include_subdomains"` // Pins also cover every subdomain
	Expires           string     `json:"expires,omitempty"`  // yyyy-mm-dd: pins not enforced after that day (UTC)
	Pins              []pins.Pin `json:"pins"`               // SPKI SHA-256 pins; any one matching suffices
}

// DomainFromPins makes the pinned domain entry of a pin-set domain, with
// Approov tokens on or off. Labels, types and comments stay out of the
// public configuration.
func DomainFromPins(d pins.Domain, token bool) Domain {
	out := Domain{Name: d.Name, Token: token, Pinning: true, IncludeSubdomains: d.IncludeSubdomains, Expires: d.Expires}
	for _, p := range d.Pins {
		out.Pins = append(out.Pins, p.SHA256)
	}
	return out
}

func invalidf(format string, a ...any) error { return fault.New(fault.Invalid, format, a...) }

// quote makes hostile text safe for a one-line message: bounded and escaped.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.QuoteToASCII(s)
}
