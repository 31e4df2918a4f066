// Package autoreg decides whether an app measurement is covered by a trusted
// app-signing certificate, so that the build counts as registered without a
// registration of its own. The rule is documented in docs/app-measurements.md
// ("Auto-registration"):
//
//   - only verified records count;
//   - APK: a signer of the scheme that verified (verified_scheme): v1, v2, v3
//     or v3.1. With key rotation that is the lineage's current certificate;
//     past lineage certificates do not count;
//   - AAB: a v1 (JAR) signer, the upload key;
//   - IPA: the CMS signer certificate, never an ad-hoc signature, and an Apple
//     certificate's team ID must be the app's.
package autoreg

import (
	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/appsig/apk"
	"github.com/approov-cli/approov/internal/signcert"
)

// Covers reports whether cert covers rec under the auto-registration rule.
func Covers(cert signcert.Certificate, rec appsig.Record) bool {
	if cert.SHA256 == "" || !contains(SignerDigests(rec), cert.SHA256) {
		return false
	}
	return rec.IPA == nil || cert.TeamID == "" || cert.TeamID == rec.IPA.TeamID
}

// Find returns the first of certs that covers rec.
func Find(certs []signcert.Certificate, rec appsig.Record) (signcert.Certificate, bool) {
	for _, c := range certs {
		if Covers(c, rec) {
			return c, true
		}
	}
	return signcert.Certificate{}, false
}

// SignerDigests lists the certificate SHA-256s (lowercase hex) that may cover
// rec: the signers that count, with no duplicates. An unverified record, an
// ad-hoc IPA and an unknown scheme give none. A store can look these up in an
// index of trusted certificates, then confirm with Covers.
func SignerDigests(rec appsig.Record) []string {
	if !rec.Verified {
		return nil
	}
	switch {
	case rec.APK != nil:
		return dedupe(apkSigners(rec.APK))
	case rec.AAB != nil:
		return dedupe(rec.AAB.Signers.V1)
	case rec.IPA != nil && !rec.IPA.AdHoc && rec.IPA.Signer != nil:
		return []string{rec.IPA.Signer.CertSHA256}
	}
	return nil
}

// apkSigners returns the signers of the scheme Android verifies. A v3/v3.1
// signer is the current certificate of its lineage (appsig checks that the
// newest lineage node equals it), so older lineage nodes never appear here.
func apkSigners(m *apk.Measurement) []string {
	switch m.VerifiedScheme {
	case "v1":
		return m.Signers.V1
	case "v2":
		return m.Signers.V2
	case "v3":
		return v3Digests(m.Signers.V3)
	case "v3.1":
		return v3Digests(m.Signers.V31)
	}
	return nil
}

func v3Digests(signers []apk.V3Signer) []string {
	out := make([]string, 0, len(signers))
	for _, s := range signers {
		out = append(out, s.CertSHA256)
	}
	return out
}

func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		if s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
