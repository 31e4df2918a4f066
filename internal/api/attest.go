package api

import (
	"log/slog"
	"strconv"
	"time"
)

// Device properties an app's SDK reports about the device it runs on
// (DeviceProperties), as a policy names them.
const (
	PropRooted          = "rooted"          // rooted (Android) or jailbroken (iOS)
	PropDebugger        = "debugger"        // a debugger is attached
	PropEmulator        = "emulator"        // an emulator or simulator
	PropInstrumentation = "instrumentation" // an instrumentation framework (Frida, Xposed…) was seen
)

// Properties lists the device properties a policy may reject, in order.
var Properties = []string{PropRooted, PropDebugger, PropEmulator, PropInstrumentation}

// Reasons an attestation fails besides the device properties.
const (
	ReasonUnregistered = "unregistered" // no registration or auto-register certificate covers the build
	ReasonForcedFail   = "forced-fail"  // a device override forces a failure
	ReasonEvidence     = "evidence"     // platform evidence was sent and did not verify
)

// Token claims a policy may add.
const (
	ClaimIssuer       = "iss" // the account's issuer
	ClaimSubject      = "sub" // the app's package or bundle id
	ClaimAudience     = "aud" // the API domain the app asked a token for
	ClaimInstallation = "ipk" // the installation public key's SHA-256
)

// Claims lists the optional claims, in order.
var Claims = []string{ClaimIssuer, ClaimSubject, ClaimAudience, ClaimInstallation}

// AttestRequest is what an installed app sends to the attestation
// endpoint: its report, exactly as signed, and the installation key that
// signed it (docs/token-service.md).
type AttestRequest struct {
	Report    []byte `json:"report"`   // the JSON of an AttestReport
	KeyType   string `json:"key_type"` // "ed25519" or "p256" (internal/installkey)
	PublicKey []byte `json:"public_key"`
	Signature []byte `json:"signature"` // over AttestSigningInput(account, report)
}

// AttestPurpose prefixes what an installation key signs, so that no other
// signature of the key can pass as an attestation.
const AttestPurpose = "approov-attest-v1"

// AttestSigningInput is the message an installation key signs: the
// purpose, the account and the report, each followed by a zero byte.
func AttestSigningInput(account string, report []byte) []byte {
	msg := make([]byte, 0, len(AttestPurpose)+len(account)+len(report)+3)
	msg = append(append(msg, AttestPurpose...), 0)
	msg = append(append(msg, account...), 0)
	return append(append(msg, report...), 0)
}

// AttestReport is what the SDK says about the app and the device. The
// service can check the measurement and the installation key; the device
// properties are the SDK's word unless platform evidence proves them.
type AttestReport struct {
	Account      string           `json:"account"`
	Measurement  Measurement      `json:"measurement"`
	Installation string           `json:"installation"` // InstallationID of the public key
	Device       DeviceProperties `json:"device"`
	// ConfigVersion is the SDK configuration version the app holds (0: none).
	ConfigVersion uint64     `json:"config_version"`
	Domain        string     `json:"domain,omitempty"` // the API domain a token is asked for (aud)
	Created       int64      `json:"created"`          // Unix seconds
	Nonce         string     `json:"nonce"`            // unique per report, 16 to 64 characters
	Evidence      []Evidence `json:"evidence,omitempty"`
}

// DeviceProperties are the device facts the SDK reports.
type DeviceProperties struct {
	Rooted          bool   `json:"rooted"`
	Debugger        bool   `json:"debugger"`
	Emulator        bool   `json:"emulator"`
	Instrumentation string `json:"instrumentation,omitempty"` // the framework seen, e.g. "frida"
}

// Evidence is a platform attestation the app obtained (a Play Integrity
// verdict, an App Attest assertion, an Android key attestation chain).
type Evidence struct {
	Type string `json:"type"`
	Data []byte `json:"data"`
}

// Attestation is the answer to an attestation. Token is always a well
// formed token; only a backend holding the account secret can tell a
// valid one. Secrets and a pentest Config come only with a pass; Reasons
// only when the policy turns them on.
type Attestation struct {
	Token         string            `json:"token"`
	ExpiresAt     time.Time         `json:"expires_at"`
	ConfigVersion uint64            `json:"config_version"` // the latest configuration's version (0: none yet)
	ConfigChanged bool              `json:"config_changed"` // newer than the one the app holds
	Config        string            `json:"config,omitempty"`
	Secrets       map[string]string `json:"secrets,omitempty"`
	Reasons       []string          `json:"reasons,omitempty"`
}

// String hides the secrets from %v and %s: only the JSON carries them.
func (a Attestation) String() string {
	return "Attestation{token: (hidden), secrets: (hidden), config_version: " + strconv.FormatUint(a.ConfigVersion, 10) + "}"
}

// GoString hides the secrets from %#v.
func (a Attestation) GoString() string { return a.String() }

// LogValue hides the secrets from slog.
func (a Attestation) LogValue() slog.Value { return slog.StringValue(a.String()) }

// Policy presets.
const (
	PresetInitial = "initial" // rejects instrumentation only: for a first integration
	PresetDefault = "default" // also rejects rooted devices and emulators; accounts start here
	PresetStrict  = "strict"  // rejects every device property
)

// Presets are the properties each preset rejects.
var Presets = map[string][]string{
	PresetInitial: {PropInstrumentation},
	PresetDefault: {PropRooted, PropEmulator, PropInstrumentation},
	PresetStrict:  {PropRooted, PropDebugger, PropEmulator, PropInstrumentation},
}

// PresetNames lists the presets from the most relaxed.
var PresetNames = []string{PresetInitial, PresetDefault, PresetStrict}

// TokenPolicy decides what attestations mean: the device properties that
// reject (any other property reported makes the device risky: it passes
// with a RiskyLifetime token), the optional claims, whether failing apps
// learn why, and the token lifetimes.
type TokenPolicy struct {
	Version       uint64        `json:"version"` // 0: never set (the default preset)
	Preset        string        `json:"preset,omitempty"`
	Reject        []string      `json:"reject"`
	Claims        []string      `json:"claims"`
	Reasons       bool          `json:"reasons"`
	Lifetime      time.Duration `json:"lifetime"`       // nanoseconds
	Grace         time.Duration `json:"grace"`          // added to Lifetime
	RiskyLifetime time.Duration `json:"risky_lifetime"` // no grace
	UpdatedBy     string        `json:"updated_by,omitempty"`
	UpdatedAt     time.Time     `json:"updated_at,omitzero"`
}

// PolicySetRequest replaces the policy when BaseVersion is the current
// version (TokenPolicy.Version of what the caller read).
type PolicySetRequest struct {
	BaseVersion   uint64        `json:"base_version"`
	Reject        []string      `json:"reject"`
	Claims        []string      `json:"claims"`
	Reasons       bool          `json:"reasons"`
	Lifetime      time.Duration `json:"lifetime"`
	Grace         time.Duration `json:"grace"`
	RiskyLifetime time.Duration `json:"risky_lifetime"`
}

// Device override modes.
const (
	DeviceForcePass = "force-pass" // passes whatever the policy says of its properties (still needs a registered build)
	DeviceForceFail = "force-fail" // always fails
	DevicePentest   = "pentest"    // passes like force-pass and gets a configuration with pinning disabled
)

// DeviceAddRequest adds or replaces an installation's override. ID is the
// installation id (the token's did) unless Latest: the installation that
// attested last. ExpireAfter is required for a pentest device.
type DeviceAddRequest struct {
	ID          string        `json:"id,omitempty"`
	Latest      bool          `json:"latest,omitempty"`
	Mode        string        `json:"mode"`
	ExpireAfter time.Duration `json:"expire_after,omitempty"`
}

// Device is an override, named by the short masked form of its
// installation id: the service never stores the id itself.
type Device struct {
	ID        string    `json:"id"`
	Mode      string    `json:"mode"`
	AddedBy   string    `json:"added_by"`
	AddedAt   time.Time `json:"added_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Expired   bool      `json:"expired,omitempty"`
}

// DeviceRemoveRequest removes an override by installation id or by the
// masked form `device list` shows.
type DeviceRemoveRequest struct {
	ID string `json:"id"`
}

// SecStringAddRequest sets a runtime secret. Value never appears in a log,
// an error, the audit log or a listing.
type SecStringAddRequest struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// String hides the value.
func (r SecStringAddRequest) String() string {
	return "SecStringAddRequest{name: " + r.Name + ", value: (hidden)}"
}

// GoString hides the value from %#v.
func (r SecStringAddRequest) GoString() string { return r.String() }

// LogValue hides the value from slog.
func (r SecStringAddRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// SecString describes a runtime secret without its value.
type SecString struct {
	Name  string    `json:"name"`
	SetBy string    `json:"set_by"`
	SetAt time.Time `json:"set_at"`
}

// SecStringRemoveRequest removes a runtime secret by name.
type SecStringRemoveRequest struct {
	Name string `json:"name"`
}

// Bounds of runtime secrets.
const (
	MaxSecStrings     = 16
	MaxSecStringName  = 64
	MaxSecStringValue = 2048
)
