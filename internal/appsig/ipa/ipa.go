// Package ipa verifies and measures iOS app archives (.ipa): the one
// Payload/<Name>.app bundle, its Info.plist, the code signature of every
// slice of the main executable and of nested code, the sealed resources,
// the CMS signer and the embedded provisioning profile.
//
// What is verified: every code page and special slot of every
// CodeDirectory; the CMS signature over the CodeDirectory; Info.plist and
// CodeResources when the signature binds them, and every file CodeResources
// seals; the team ID agreeing between CodeDirectory, signer certificate and
// profile; the signer being one of the profile's developer certificates.
// What is not: certificate chains to Apple's roots (not available offline),
// revocation, and FairPlay-encrypted content. docs/app-measurements.md says
// what each field proves.
package ipa

import (
	"github.com/approov-cli/approov/internal/appsig/ipa/codesign"
	"github.com/approov-cli/approov/internal/appsig/ipa/plists"
)

// Limits bound the work an archive may demand beyond the zip front door's.
type Limits struct {
	MaxExecutableSize    int64 // main or nested executable
	MaxInflatedInMemory  int64 // a deflated executable up to this size is inflated into memory; a larger one is streamed
	MaxPlistSize         int64 // Info.plist, entitlements
	MaxCodeResourcesSize int64
	MaxNestedCode        int // nested bundles and dylibs
	MaxResourceRules     int // rules2 entries of CodeResources
	MaxResourceValues    int // values in the decoded CodeResources plist
	Plist                plists.Limits
	CodeSign             codesign.Limits
}

// DefaultLimits fit real apps.
func DefaultLimits() Limits {
	return Limits{
		MaxExecutableSize:    2 << 30,
		MaxInflatedInMemory:  32 << 20,
		MaxPlistSize:         4 << 20,
		MaxCodeResourcesSize: 64 << 20,
		MaxNestedCode:        256,
		MaxResourceRules:     256,
		MaxResourceValues:    16 << 20,
		Plist:                plists.DefaultLimits(),
		CodeSign:             codesign.DefaultLimits(),
	}
}

// Measurement is the IPA part of an app record (the dispatcher adds
// schema_version, format and file_sha256). Hex is lowercase; there are no
// timestamps of the run, so the record of a file never changes.
type Measurement struct {
	BundleID           string         `json:"bundle_id"`
	Version            string         `json:"version,omitempty"` // CFBundleShortVersionString
	Build              string         `json:"build,omitempty"`   // CFBundleVersion
	MinimumOS          string         `json:"minimum_os,omitempty"`
	TeamID             string         `json:"team_id,omitempty"` // absent when ad-hoc
	AdHoc              bool           `json:"adhoc"`
	Executable         Executable     `json:"executable"`
	Signer             *Signer        `json:"signer,omitempty"` // absent when ad-hoc
	EntitlementsSHA256 string         `json:"entitlements_sha256,omitempty"`
	Entitlements       map[string]any `json:"entitlements,omitempty"`
	Sealed             Sealed         `json:"sealed"`
	Profile            *Profile       `json:"profile,omitempty"`
	Nested             []NestedCode   `json:"nested,omitempty"`
	Notes              []string       `json:"notes,omitempty"`
}

// Executable is the main executable named by CFBundleExecutable.
type Executable struct {
	Name   string  `json:"name"`
	Slices []Slice `json:"slices"`
}

// Slice is the code identity of one architecture. The top-level cdhash
// fields are those of the primary (strongest) CodeDirectory.
type Slice struct {
	CPU             string          `json:"cpu"`
	CDHashType      string          `json:"cd_hash_type"`
	CDHashFull      string          `json:"cdhash_full"`
	CDHash          string          `json:"cdhash"` // 20 bytes: Apple's cdhash
	Identifier      string          `json:"identifier"`
	TeamID          string          `json:"team_id,omitempty"` // from the CodeDirectory
	Flags           string          `json:"flags"`
	AdHoc           bool            `json:"adhoc"`
	CodeDirectories []CodeDirectory `json:"code_directories"`
}

// CodeDirectory is one of a slice's CodeDirectories.
type CodeDirectory struct {
	Slot       string `json:"slot"`
	HashType   string `json:"hash_type"`
	CDHashFull string `json:"cdhash_full"`
	CDHash     string `json:"cdhash"`
	Pages      uint32 `json:"pages"`
	Primary    bool   `json:"primary"`
}

// Signer is the CMS signer of the main executable.
type Signer struct {
	CertSHA256  string   `json:"cert_sha256"`
	Subject     string   `json:"subject"`
	SubjectOU   string   `json:"subject_ou,omitempty"`
	ChainSHA256 []string `json:"chain_sha256,omitempty"` // the other certificates in the CMS
	// ChainVerified is always false: the chain to Apple's roots is not checked.
	ChainVerified bool `json:"chain_verified"`
}

// Sealed says what the signature binds beyond the executable itself.
type Sealed struct {
	InfoPlist     bool `json:"info_plist"`     // Info.plist bound by special slot 1
	Resources     bool `json:"resources"`      // CodeResources bound by special slot 3
	ResourceFiles int  `json:"resource_files"` // files whose CodeResources hash was checked
}

// Profile is the embedded provisioning profile. Its CMS signature is
// checked, its chain to Apple is not.
type Profile struct {
	UUID                 string         `json:"uuid"`
	Name                 string         `json:"name,omitempty"`
	Team                 string         `json:"team"`
	TeamName             string         `json:"team_name,omitempty"`
	Created              string         `json:"created,omitempty"`
	Expires              string         `json:"expires"`
	Platforms            []string       `json:"platforms,omitempty"`
	ProvisionedDevices   int            `json:"provisioned_devices"`
	ProvisionsAllDevices bool           `json:"provisions_all_devices"`
	Entitlements         map[string]any `json:"entitlements,omitempty"`
	SignerSubject        string         `json:"signer_subject,omitempty"`
	ChainVerified        bool           `json:"chain_verified"`
}

// NestedCode is a framework, app extension or dylib inside the bundle.
type NestedCode struct {
	Path     string  `json:"path"` // executable path relative to the .app
	BundleID string  `json:"bundle_id,omitempty"`
	AdHoc    bool    `json:"adhoc"`
	TeamID   string  `json:"team_id,omitempty"`
	Slices   []Slice `json:"slices"`
}
