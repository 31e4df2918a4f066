// Package appsig measures app packages (.apk, .aab, .ipa) for registration:
// it verifies the package's signature and returns one canonical record of
// what identifies the app. It knows nothing about terminals or commands.
package appsig

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/approov-cli/approov/internal/appsig/aab"
	"github.com/approov-cli/approov/internal/appsig/apk"
	"github.com/approov-cli/approov/internal/appsig/ipa"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
)

// SchemaVersion is the version of the Record layout; bump it on any change
// that alters a measurement's meaning or encoding.
const SchemaVersion = 1

// Formats.
const (
	FormatAPK = "apk"
	FormatAAB = "aab"
	FormatIPA = "ipa"
)

// Record is the measurement of one file. Exactly one of APK, AAB, IPA is set.
// Hex is lowercase; there are no timestamps of the run, so the same file
// always gives the same record.
type Record struct {
	SchemaVersion int              `json:"schema_version"`
	Format        string           `json:"format"`
	Verified      bool             `json:"verified"`
	Problem       string           `json:"problem,omitempty"` // why verification failed; only when verified is false
	FileName      string           `json:"file_name"`         // base name only, never the directory
	FileSize      int64            `json:"file_size"`
	FileSHA256    string           `json:"file_sha256"`
	APK           *apk.Measurement `json:"apk,omitempty"`
	AAB           *aab.Measurement `json:"aab,omitempty"`
	IPA           *ipa.Measurement `json:"ipa,omitempty"`
}

// Defaults for Options left zero.
const (
	DefaultMaxFileSize = 4 << 30
	DefaultBudget      = 10 * time.Minute
)

// Options bound and observe an inspection.
type Options struct {
	MaxFileSize int64          // 0: DefaultMaxFileSize
	Limits      zipsafe.Limits // zero: zipsafe.DefaultLimits()
	Budget      time.Duration  // wall-clock budget; 0: DefaultBudget (a shorter ctx deadline wins)
	// Progress, if set, is called from another goroutine with the bytes of
	// the file hashed so far and the file size.
	Progress func(done, total int64)
	// MinSDK and MaxSDK restrict APK verification to a platform range
	// (0: minSdkVersion from the manifest, and no upper bound).
	MinSDK, MaxSDK int32
}

// CanonicalJSON encodes v (a Record or a slice of them) with object keys
// sorted at every level, no insignificant whitespace and numbers kept exact:
// the byte form to hash or compare.
func CanonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	return json.Marshal(generic) // maps marshal with sorted keys
}
