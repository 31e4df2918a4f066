package api

import (
	"time"

	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/role"
)

// PinConfig is one version of the account's pin configuration: version 0
// is the empty configuration no push has made yet. Set.BaseVersion equals
// Version.
type PinConfig struct {
	Version uint64       `json:"version"`
	Set     *pins.PinSet `json:"set"`
}

// PinShowRequest names a version of the pin configuration.
type PinShowRequest struct {
	Version uint64 `json:"version"`
}

// PinPushRequest proposes Set as the next version. BaseVersion is the
// version it was edited from: the push is accepted only while that is the
// current one. View is what the CLI saw live, which the service compares
// with its own view. Force overrides broken invariants and needs a Reason,
// which the audit log keeps.
type PinPushRequest struct {
	BaseVersion uint64       `json:"base_version"`
	Set         *pins.PinSet `json:"set"`
	View        stage.View   `json:"view,omitempty"`
	Reason      string       `json:"reason,omitempty"`
	Force       bool         `json:"force,omitempty"`
}

// PinPushResult is an accepted push: the new version, what it changed and,
// for a forced push, the rules it was allowed to break.
type PinPushResult struct {
	Version    uint64            `json:"version"`
	Changes    []string          `json:"changes"`
	Forced     bool              `json:"forced,omitempty"`
	Overridden []stage.Violation `json:"overridden,omitempty"`
}

// PinLogRequest asks for the history of the pin configuration, newest
// first; Limit zero means all (capped at 10000).
type PinLogRequest struct {
	Limit int `json:"limit,omitempty"`
}

// PinVersion is one entry of the history: who pushed which version, when,
// why, and what it changed.
type PinVersion struct {
	Version uint64    `json:"version"`
	Time    time.Time `json:"time"`
	User    string    `json:"user"`
	Role    role.Role `json:"role"`
	Reason  string    `json:"reason,omitempty"`
	Forced  bool      `json:"forced,omitempty"`
	Summary string    `json:"summary"`
	Domains int       `json:"domains"`
}

// SDKConfigRequest asks for the signed SDK configuration of a version
// (zero: the latest).
type SDKConfigRequest struct {
	Version uint64 `json:"version,omitempty"`
}

// SDKConfig is a signed SDK configuration (an ES256 JWT, empty while no
// push has made one) and the PEM public key apps verify it with.
type SDKConfig struct {
	Version   uint64 `json:"version"`
	Config    string `json:"config,omitempty"`
	PublicKey string `json:"public_key"`
}

// APIAddRequest adds an API domain as the next version of the pin
// configuration: with Pins (read from its live chain by the CLI) unless
// NoPins, with Approov tokens unless NoToken. View is what the CLI saw live.
type APIAddRequest struct {
	Domain  string          `json:"domain"`
	Pins    []pins.PinEntry `json:"pins,omitempty"`
	NoToken bool            `json:"no_token,omitempty"`
	NoPins  bool            `json:"no_pins,omitempty"`
	View    stage.View      `json:"view,omitempty"`
}

// APIRemoveRequest removes an API domain (and its pins) as the next version.
type APIRemoveRequest struct {
	Domain string `json:"domain"`
}

// APIDomain is one API domain of the current version.
type APIDomain struct {
	Domain  string          `json:"domain"`
	Token   bool            `json:"token"`
	Pinning bool            `json:"pinning"`
	Pins    []pins.PinEntry `json:"pins"`
	Expires string          `json:"expires,omitempty"`
}

// APIDomains is the current version's API domains.
type APIDomains struct {
	Version uint64      `json:"version"`
	Domains []APIDomain `json:"domains"`
}
