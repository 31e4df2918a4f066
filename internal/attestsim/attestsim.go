// Package attestsim is a simulated installed app for tests and benchmarks:
// it measures a real build with internal/appsig, holds an installation key,
// reports device properties, and signs attestation requests the way an
// app's SDK would (docs/token-service.md).
package attestsim

import (
	"context"
	"encoding/json"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/appmeasure"
	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/installkey"
)

// App is one installation of a build on a device.
type App struct {
	Account       string
	Measurement   api.Measurement
	Key           *installkey.Private
	Device        api.DeviceProperties
	ConfigVersion uint64 // the configuration version it holds
	Domain        string // the API domain it asks a token for
	Evidence      []api.Evidence
	Now           func() time.Time // time.Now when nil
}

// New installs a build (its measurement) with a fresh key of keyType.
func New(account string, m api.Measurement, keyType string) (*App, error) {
	k, err := installkey.Generate(keyType)
	if err != nil {
		return nil, err
	}
	return &App{Account: account, Measurement: m, Key: k}, nil
}

// Measure measures the build at path as an app's SDK measures itself.
func Measure(ctx context.Context, path string) (api.Measurement, error) {
	rec, err := appsig.Inspect(ctx, path, appsig.Options{})
	if err != nil {
		return api.Measurement{}, err
	}
	return appmeasure.FromRecord(rec), nil
}

// ID is the installation id (the token's did).
func (a *App) ID() string { return a.Key.Public().ID() }

// Request builds and signs one attestation request.
func (a *App) Request() (api.AttestRequest, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	r := api.AttestReport{Account: a.Account, Measurement: a.Measurement, Installation: a.ID(), Device: a.Device,
		ConfigVersion: a.ConfigVersion, Domain: a.Domain, Created: now().Unix(), Nonce: auth.NewNonce(), Evidence: a.Evidence}
	raw, err := json.Marshal(r)
	if err != nil {
		return api.AttestRequest{}, err
	}
	sig, err := a.Key.Sign(api.AttestSigningInput(a.Account, raw))
	return api.AttestRequest{Report: raw, KeyType: a.Key.Type(), PublicKey: a.Key.PublicBytes(), Signature: sig}, err
}

// Attest sends one attestation through b and remembers the configuration
// version the answer names, as an SDK that fetches updates would.
func (a *App) Attest(ctx context.Context, b backend.Backend) (api.Attestation, error) {
	req, err := a.Request()
	if err != nil {
		return api.Attestation{}, err
	}
	out, err := backend.Call(ctx, b, api.OpAttest, backend.Anonymous, req)
	if err == nil && out.ConfigVersion > a.ConfigVersion {
		a.ConfigVersion = out.ConfigVersion
	}
	return out, err
}
