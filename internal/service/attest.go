package service

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/apitoken"
	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/installkey"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/store"
)

// attestOps is the token service's one operation for installed apps.
var attestOps = []endpoint{
	serve(api.OpAttest, (*Service).attest),
}

// Outcomes of an attestation (the metrics' attestationFact.Outcome).
const (
	outcomePass  = "pass"
	outcomeRisky = "pass-risky" // passed with a reported property the policy allows: a short token
	outcomeFail  = "fail"
)

// attestation is what the transaction decided, set anew on every run.
type attestation struct {
	verdict
	secret        *secretRec
	policy        *policyRec
	secrets       map[string]string
	configVersion uint64
	config        string // pentest: the configuration with pinning disabled
}

// attest answers an installed app: a token, valid only when the app
// passes, of the same shape either way. The request is checked (size,
// installation signature, freshness, replay) before anything is decided;
// then every lookup runs and a token is signed whatever the outcome, so
// that neither the answer's shape nor its timing class tells a failing app
// that it failed.
func (s *Service) attest(ctx context.Context, c *call, req api.AttestRequest) (api.Attestation, error) {
	in, err := parseAttest(c.acct.ID, req, s.now())
	if err != nil {
		return api.Attestation{}, err
	}
	evi, evFailed := s.checkEvidence(ctx, c.acct.ID, in.report, in.key.SPKI())
	var a attestation
	err = s.updateHot(ctx, func(tx store.Tx) (err error) {
		a, err = s.attestTx(tx, c, in, evFailed)
		return err
	})
	if err != nil {
		return api.Attestation{}, err
	}
	return s.attestAnswer(c, in, a, evi)
}

// hotRounds is how many times an attestation runs the store's retry loop:
// it is the service's hot path, where installations of one account race on
// neighbouring rows (PostgreSQL's predicate locks are per index page), and
// a lost race would cost an app its token, so it retries longer than an
// admin command, with a random pause between rounds.
const hotRounds = 6

// updateHot is update, re-run after a jittered pause while it conflicts.
func (s *Service) updateHot(ctx context.Context, fn func(store.Tx) error) error {
	var err error
	for round := range hotRounds {
		if err = s.update(ctx, fn); !errors.Is(err, store.ErrConflict) {
			return err
		}
		pause := time.Duration(mrand.Int64N(int64(time.Millisecond) << round))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
	return err
}

// attestTx reads what decides the attestation, records it (replay cache,
// latest installation, metrics) and returns the decision.
func (s *Service) attestTx(tx store.Tx, c *call, in *attestInput, evFailed bool) (attestation, error) {
	acct, r := c.acct.ID, &in.report
	var a attestation
	mask, err := s.maskInstallation(tx, acct, r.Installation)
	if err != nil {
		return a, err
	}
	// The replay cache is keyed by the mask: no raw installation id in the store.
	if err := s.remember(tx, "attest\x00"+acct+"\x00"+mask, r.Nonce, time.Unix(r.Created, 0).Add(auth.Window)); err != nil {
		return a, err
	}
	if a.policy, err = loadPolicy(tx, acct); err != nil {
		return a, err
	}
	if a.secret, err = s.tokenSecret(tx, acct); err != nil {
		return a, err
	}
	_, registered, err := s.registered(tx, acct, in.m)
	if err != nil {
		return a, err
	}
	dev, err := s.override(tx, acct, mask)
	if err != nil {
		return a, err
	}
	a.verdict = decide(a.policy, registered, reportedProperties(r.Device), dev, evFailed)
	if err := s.attestExtras(tx, c, &a); err != nil {
		return a, err
	}
	if err := s.noteAttested(tx, acct, mask); err != nil {
		return a, err
	}
	return a, s.recordAttestation(tx, acct, in.fact(s.now(), a.verdict, c.req.ClientAddr))
}

// attestExtras reads the secrets (always, and kept only for a pass), the
// configuration version and, for a pentest device, its configuration.
func (s *Service) attestExtras(tx store.Tx, c *call, a *attestation) error {
	all, err := loadSecStrings(tx, c.acct.ID)
	if err != nil {
		return err
	}
	if a.valid {
		a.secrets = make(map[string]string, len(all))
		for name, r := range all {
			a.secrets[name] = r.Value
		}
	}
	if a.configVersion, err = currentPinVersion(tx, c.acct.ID); err != nil {
		return err
	}
	if a.pentest && a.valid && a.configVersion > 0 {
		a.config, err = s.pentestConfig(tx, c.acct, a.configVersion)
	}
	return err
}

// attestAnswer signs the token and builds the answer.
func (s *Service) attestAnswer(c *call, in *attestInput, a attestation, evi string) (api.Attestation, error) {
	r, p := &in.report, a.policy
	exp := s.now().Add(p.Lifetime + p.Grace)
	if a.short {
		exp = s.now().Add(p.RiskyLifetime)
	}
	o := apitoken.IssueOptions{Valid: a.valid, Expires: exp, IP: c.req.ClientAddr, DeviceID: r.Installation, Evidence: evi}
	if p.claim(api.ClaimIssuer) {
		o.Issuer = "approov:" + c.acct.ID
	}
	if p.claim(api.ClaimSubject) {
		o.Subject = in.m.AppID
	}
	if p.claim(api.ClaimAudience) {
		o.Audience = r.Domain
	}
	if p.claim(api.ClaimInstallation) {
		o.InstallPK = in.key.IPK()
	}
	tok, err := apitoken.Issue(a.secret.Secret, a.secret.KeyID, o)
	out := api.Attestation{Token: tok, ExpiresAt: time.Unix(exp.Unix(), 0).UTC(), ConfigVersion: a.configVersion,
		ConfigChanged: a.configVersion > r.ConfigVersion || a.config != "", Config: a.config, Secrets: a.secrets}
	if p.Reasons && !a.valid {
		out.Reasons = a.reasons
	}
	return out, err
}

// verdict is the decision on one attestation.
type verdict struct {
	outcome string
	reasons []string // why it failed, or the allowed properties of a risky pass
	valid   bool
	pentest bool
	short   bool // the risky lifetime
}

// decide applies an override, else the registration, the evidence and the
// policy to the properties reported. A force-pass or pentest device passes
// even an unregistered build (a development build changes with every
// compile); a reported property the policy does not reject makes the
// device risky.
//
// The token's lifetime follows what the device reported, never the
// outcome: a device reporting a property gets the risky lifetime whether
// the policy fails it or lets it pass (and so does a force-fail device),
// or the token's exp would tell a failing app that it failed. Only a
// force-pass or pentest device, trusted by an admin, gets the full one.
func decide(p *policyRec, registered bool, props []string, dev *deviceRec, evFailed bool) verdict {
	short := len(props) > 0
	if dev != nil {
		if dev.Mode == api.DeviceForceFail {
			return verdict{outcome: outcomeFail, reasons: []string{api.ReasonForcedFail}, short: short}
		}
		return verdict{outcome: outcomePass, valid: true, pentest: dev.Mode == api.DevicePentest}
	}
	var reasons []string
	if !registered {
		reasons = append(reasons, api.ReasonUnregistered)
	}
	if evFailed {
		reasons = append(reasons, api.ReasonEvidence)
	}
	for _, prop := range props {
		if p.rejects(prop) {
			reasons = append(reasons, prop)
		}
	}
	switch {
	case len(reasons) > 0:
		return verdict{outcome: outcomeFail, reasons: reasons, short: short}
	case short:
		return verdict{outcome: outcomeRisky, reasons: props, valid: true, short: true}
	}
	return verdict{outcome: outcomePass, valid: true}
}

// Bounds of an attestation report.
const (
	maxReport          = 24 << 10
	maxEvidence        = 4
	maxEvidenceData    = 8 << 10
	maxInstrumentation = 64
	minReportNonce     = 16
	maxReportNonce     = 64
)

// attestInput is a checked request: the report, its measurement in
// canonical form, and the installation key that signed it.
type attestInput struct {
	report api.AttestReport
	m      api.Measurement
	key    *installkey.Public
}

// parseAttest checks a request in order of cost: sizes, the key, the
// signature over the report, then the report's fields. Each failure is one
// line naming what is wrong, never echoing more than a bounded part.
func parseAttest(account string, req api.AttestRequest, now time.Time) (*attestInput, error) {
	if len(req.Report) == 0 || len(req.Report) > maxReport {
		return nil, fault.New(fault.Invalid, "an attestation report is 1 to %d bytes", maxReport)
	}
	key, err := installkey.Parse(req.KeyType, req.PublicKey)
	if err != nil {
		return nil, err
	}
	if !key.Verify(api.AttestSigningInput(account, req.Report), req.Signature) {
		return nil, fault.New(fault.Auth, "the report's signature does not verify with the installation key")
	}
	in := &attestInput{key: key}
	dec := json.NewDecoder(bytes.NewReader(req.Report))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in.report); err != nil || dec.More() {
		return nil, fault.New(fault.Invalid, "the attestation report is not one JSON object of known fields")
	}
	in.m, err = checkReport(&in.report, account, key, now)
	return in, err
}

func checkReport(r *api.AttestReport, account string, key *installkey.Public, now time.Time) (api.Measurement, error) {
	created := time.Unix(r.Created, 0)
	switch {
	case r.Account != account:
		return api.Measurement{}, fault.New(fault.Invalid, "the report is for another account")
	case r.Installation != key.ID():
		return api.Measurement{}, fault.New(fault.Invalid, "the installation id is not that of the installation key")
	case len(r.Nonce) < minReportNonce || len(r.Nonce) > maxReportNonce || !nonceChars(r.Nonce):
		return api.Measurement{}, fault.New(fault.Invalid, "the report's nonce is %d to %d characters of base64url", minReportNonce, maxReportNonce)
	case created.Before(now.Add(-auth.Window)) || created.After(now.Add(auth.Window)):
		return api.Measurement{}, fault.WithHint(fault.New(fault.Auth, "the report was made more than %s from the service's time", auth.Window), "check the device clock")
	case len(r.Device.Instrumentation) > maxInstrumentation || !printableASCII(r.Device.Instrumentation):
		return api.Measurement{}, fault.New(fault.Invalid, "the instrumentation name is at most %d printable characters", maxInstrumentation)
	case len(r.Domain) > 253 || !dnsChars(r.Domain):
		return api.Measurement{}, fault.New(fault.Invalid, "the report's domain is not a DNS name")
	}
	if err := checkEvidenceItems(r.Evidence); err != nil {
		return api.Measurement{}, err
	}
	return validMeasurement(r.Measurement)
}

func checkEvidenceItems(items []api.Evidence) error {
	if len(items) > maxEvidence {
		return fault.New(fault.Invalid, "a report carries at most %d evidence items", maxEvidence)
	}
	for _, ev := range items {
		if ev.Type == "" || len(ev.Type) > 32 || strings.Trim(ev.Type, idChars) != "" || len(ev.Data) > maxEvidenceData {
			return fault.New(fault.Invalid, "evidence is a type (1 to 32 of [A-Za-z0-9._-]) and at most %d bytes", maxEvidenceData)
		}
	}
	return nil
}

func printableASCII(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e }) < 0
}

func dnsChars(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0
}

// reportedProperties lists the device properties reported, in
// api.Properties order.
func reportedProperties(d api.DeviceProperties) []string {
	var out []string
	for _, p := range []struct {
		name string
		on   bool
	}{{api.PropRooted, d.Rooted}, {api.PropDebugger, d.Debugger}, {api.PropEmulator, d.Emulator}, {api.PropInstrumentation, d.Instrumentation != ""}} {
		if p.on {
			out = append(out, p.name)
		}
	}
	return out
}

// fact is what the metrics count of this attestation.
func (in *attestInput) fact(now time.Time, v verdict, addr string) attestationFact {
	platform := "android"
	if in.m.Format == appsig.FormatIPA {
		platform = "ios"
	}
	version := in.m.Version
	if version == "" && in.m.VersionCode != 0 {
		version = strconv.FormatInt(in.m.VersionCode, 10)
	}
	return attestationFact{At: now, Outcome: v.outcome, Reasons: v.reasons, Platform: platform, AppID: in.m.AppID,
		AppVersion: version, Installation: in.report.Installation, ClientAddr: addr}
}

// pentestConfig signs version v's configuration with pinning disabled,
// with the key and format of the public channel, for a pentest device.
func (s *Service) pentestConfig(tx store.Tx, acct *accountRec, v uint64) (string, error) {
	rec, err := loadPinVersion(tx, acct.ID, v)
	if err != nil {
		return "", err
	}
	key, err := configKey(tx, acct, false)
	if err != nil || key == nil {
		return "", cmp.Or(err, fault.New(fault.Internal, "account %s has a configuration but no configuration key", acct.ID))
	}
	domains := configDomains(rec.Set, rec.APIs)
	for i := range domains {
		domains[i].Pinning, domains[i].Pins, domains[i].Expires = false, []pins.Pin{}, ""
	}
	return sdkconfig.Sign(key, sdkconfig.Config{Account: acct.ID, Version: v, IssuedAt: s.now(), Domains: domains, PinningDisabled: true})
}
