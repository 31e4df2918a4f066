package service

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/appsig/aab"
	"github.com/approov-cli/approov/internal/appsig/apk"
	"github.com/approov-cli/approov/internal/appsig/ipa"
	"github.com/approov-cli/approov/internal/fault"
)

// validMeasurement checks every field of a sent measurement and returns it
// in canonical form (signers and digests sorted), or an Invalid error
// naming the first bad field.
func validMeasurement(m api.Measurement) (api.Measurement, error) {
	checks := []func(*api.Measurement) error{checkFormat, checkIdentity, checkSigners, checkDigests, checkFile}
	for _, check := range checks {
		if err := check(&m); err != nil {
			return api.Measurement{}, fault.New(fault.Invalid, "measurement: %v", err)
		}
	}
	slices.Sort(m.Signers)
	slices.Sort(m.Digests)
	return m, nil
}

type fieldError string

func (e fieldError) Error() string { return string(e) }

func checkFormat(m *api.Measurement) error {
	android := m.Format == appsig.FormatAPK || m.Format == appsig.FormatAAB
	switch {
	case !android && m.Format != appsig.FormatIPA:
		return fieldError("format must be apk, aab or ipa")
	case m.Format == appsig.FormatAPK && !slices.Contains([]string{"v1", "v2", "v3", "v3.1"}, m.Scheme):
		return fieldError("an APK's scheme must be v1, v2, v3 or v3.1")
	case m.Format != appsig.FormatAPK && m.Scheme != "":
		return fieldError("only an APK has a scheme")
	case android && (m.Build != "" || m.TeamID != ""):
		return fieldError("build and team_id are iOS fields")
	case !android && m.VersionCode != 0:
		return fieldError("version_code is an Android field")
	case m.VersionCode < 0:
		return fieldError("version_code is negative")
	}
	return nil
}

func checkIdentity(m *api.Measurement) error {
	if m.AppID == "" || len(m.AppID) > api.MaxAppID || strings.Trim(m.AppID, idChars) != "" {
		return fieldError("app_id must be 1 to 255 letters, digits, '.', '_' or '-'")
	}
	for _, v := range []string{m.Version, m.Build} {
		if len(v) > api.MaxVersionText || !printable(v) {
			return fieldError("version and build must be at most 128 printable characters")
		}
	}
	if m.TeamID != "" && (len(m.TeamID) > 32 || strings.Trim(m.TeamID, upperDigits) != "") {
		return fieldError("team_id must be at most 32 upper-case letters and digits")
	}
	return nil
}

const (
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	idChars     = upperDigits + "abcdefghijklmnopqrstuvwxyz._-"
	algChars    = idChars
)

func checkSigners(m *api.Measurement) error {
	switch {
	case len(m.Signers) > api.MaxSigners:
		return fieldError("more than 16 signers")
	case len(m.Signers) == 0 && m.Format != appsig.FormatIPA:
		return fieldError("an Android build has at least one signer")
	case m.Format == appsig.FormatIPA && len(m.Signers) > 1:
		return fieldError("an iOS build has at most one signer")
	}
	for _, s := range m.Signers {
		if !isHex(s, 64, 64) {
			return fieldError("a signer must be a certificate's SHA-256 in lower-case hex")
		}
	}
	if hasDuplicate(m.Signers) {
		return fieldError("repeated signer")
	}
	return nil
}

func checkDigests(m *api.Measurement) error {
	if len(m.Digests) == 0 || len(m.Digests) > api.MaxDigests {
		return fieldError("1 to 16 digests")
	}
	for _, d := range m.Digests {
		alg, h, ok := strings.Cut(d, ":")
		if !ok || alg == "" || len(alg) > api.MaxDigestAlg || strings.Trim(alg, algChars) != "" || !isHex(h, 40, 128) {
			return fieldError("a digest must be alg:hex (lower-case hex, 40 to 128 digits)")
		}
	}
	if hasDuplicate(m.Digests) {
		return fieldError("repeated digest")
	}
	return nil
}

func checkFile(m *api.Measurement) error {
	if !isHex(m.FileSHA256, 64, 64) {
		return fieldError("file_sha256 must be 64 lower-case hex digits")
	}
	if m.FileName == "" || len(m.FileName) > api.MaxFileName || !printable(m.FileName) || strings.ContainsAny(m.FileName, `/\`) {
		return fieldError("file_name must be a base name of at most 255 printable characters")
	}
	return nil
}

func isHex(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen || len(s)%2 != 0 || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

func hasDuplicate(list []string) bool {
	sorted := slices.Clone(list)
	slices.Sort(sorted)
	return len(slices.Compact(sorted)) != len(list)
}

// measurementID is the stable id of a canonical measurement: a short hash
// of the fields that identify the build (not its file name or file hash,
// which a re-zip or a rename change).
func measurementID(m api.Measurement) string {
	ident := struct {
		Format, AppID, Version, Build string
		VersionCode                   int64
		Signers, Digests              []string
	}{m.Format, m.AppID, m.Version, m.Build, m.VersionCode, m.Signers, m.Digests}
	raw, _ := json.Marshal(ident) // cannot fail: strings and numbers
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8])
}

// recordOf rebuilds the part of an appsig record that auto-registration
// looks at, from a validated measurement.
func recordOf(m api.Measurement) appsig.Record {
	rec := appsig.Record{Format: m.Format, Verified: true, FileSHA256: m.FileSHA256}
	switch m.Format {
	case appsig.FormatAPK:
		rec.APK = &apk.Measurement{Package: m.AppID, VersionCode: m.VersionCode, VerifiedScheme: m.Scheme, Signers: apkSigners(m.Scheme, m.Signers)}
	case appsig.FormatAAB:
		rec.AAB = &aab.Measurement{Package: m.AppID, VersionCode: m.VersionCode, Signers: aab.Signers{V1: m.Signers}}
	case appsig.FormatIPA:
		rec.IPA = &ipa.Measurement{BundleID: m.AppID, TeamID: m.TeamID, AdHoc: len(m.Signers) == 0}
		if len(m.Signers) == 1 {
			rec.IPA.Signer = &ipa.Signer{CertSHA256: m.Signers[0]}
		}
	}
	return rec
}

func apkSigners(scheme string, digests []string) apk.Signers {
	var v3 []apk.V3Signer
	for _, d := range digests {
		v3 = append(v3, apk.V3Signer{CertSHA256: d})
	}
	switch scheme {
	case "v1":
		return apk.Signers{V1: digests}
	case "v2":
		return apk.Signers{V2: digests}
	case "v3":
		return apk.Signers{V3: v3}
	}
	return apk.Signers{V31: v3}
}
