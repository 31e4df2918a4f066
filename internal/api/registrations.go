package api

import "time"

// Bounds of a measurement, checked by the service on every field.
const (
	MaxAppID       = 255 // package name or bundle id
	MaxVersionText = 128 // version name, iOS version and build
	MaxFileName    = 255
	MaxSigners     = 16 // signer certificates that count
	MaxDigests     = 16 // content digests or cdhashes
	MaxDigestAlg   = 32
)

// Measurement is what registering a build sends: the identifying subset of
// an appsig record, never the app. Digests are "alg:hex" (APK content
// digests, an AAB's entries digest, an IPA's cdhashes); Signers are the
// SHA-256s of the signer certificates that count (autoreg.SignerDigests).
type Measurement struct {
	Format      string   `json:"format"` // apk, aab or ipa
	AppID       string   `json:"app_id"` // package or bundle id
	VersionCode int64    `json:"version_code,omitempty"`
	Version     string   `json:"version,omitempty"` // version name, CFBundleShortVersionString
	Build       string   `json:"build,omitempty"`   // iOS CFBundleVersion
	Scheme      string   `json:"scheme,omitempty"`  // APK: the signature scheme that verified
	TeamID      string   `json:"team_id,omitempty"` // iOS team id
	Signers     []string `json:"signers"`
	Digests     []string `json:"digests"`
	FileSHA256  string   `json:"file_sha256"`
	FileName    string   `json:"file_name"`
}

// AddRegistrationRequest registers a measurement. ExpireAfter zero: the
// registration never expires.
type AddRegistrationRequest struct {
	Measurement Measurement   `json:"measurement"`
	ExpireAfter time.Duration `json:"expire_after,omitempty"`
}

// Registration outcomes of an add.
const (
	RegAdded    = "added"
	RegExisting = "already registered"
	RegUpdated  = "expiry updated"
	RegRenewed  = "renewed" // it had expired
)

// RegistrationAdded is the outcome of an add. CoveredBy names the
// auto-register certificate that already covered the build, if any.
type RegistrationAdded struct {
	Outcome      string       `json:"outcome"`
	Registration Registration `json:"registration"`
	CoveredBy    string       `json:"covered_by,omitempty"`
}

// Registration states.
const (
	RegActive  = "active"
	RegExpired = "expired"
)

// Registration is a registered measurement as listed.
type Registration struct {
	ID          string      `json:"id"`
	State       string      `json:"state"`
	AddedBy     string      `json:"added_by"`
	AddedAt     time.Time   `json:"added_at"`
	ExpiresAt   time.Time   `json:"expires_at,omitzero"`
	Measurement Measurement `json:"measurement"`
}

// ListRegistrationsRequest filters the list: Package keeps one app id,
// Expired keeps only expired registrations.
type ListRegistrationsRequest struct {
	Package string `json:"package,omitempty"`
	Expired bool   `json:"expired,omitempty"`
}

// RemoveRegistrationRequest removes one registration by ID, or (Expired)
// every expired one the caller may remove.
type RemoveRegistrationRequest struct {
	ID      string `json:"id,omitempty"`
	Expired bool   `json:"expired,omitempty"`
}

// RemovedRegistrations lists the ids removed.
type RemovedRegistrations struct {
	Removed []string `json:"removed"`
}

// AddAppSignCertRequest trusts a signing certificate: only its DER travels;
// the service derives everything else. Development must be set to accept a
// development or debug certificate.
type AddAppSignCertRequest struct {
	DER          []byte `json:"der"`
	AutoRegister bool   `json:"auto_register,omitempty"`
	Development  bool   `json:"development,omitempty"`
}

// AppSignCert is a trusted app-signing certificate as the service describes it.
type AppSignCert struct {
	ID           string    `json:"id"`
	SHA256       string    `json:"sha256"`
	SHA1         string    `json:"sha1"`
	Name         string    `json:"name"`
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	NotAfter     time.Time `json:"not_after"`
	Platform     string    `json:"platform"`
	TeamID       string    `json:"team_id,omitempty"`
	Development  bool      `json:"development"`
	AutoRegister bool      `json:"auto_register"`
	AddedBy      string    `json:"added_by"`
	AddedAt      time.Time `json:"added_at"`
}

// RemoveAppSignCertRequest removes a certificate by id.
type RemoveAppSignCertRequest struct {
	ID string `json:"id"`
}
