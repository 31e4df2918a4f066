// Package appmeasure turns an app's verified record (internal/appsig) into
// the measurement of the contract (api.Measurement): what `approov
// registration add` sends and what an attesting app reports, the same
// fields either way so that the two compare equal.
package appmeasure

import (
	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/signcert/autoreg"
)

// FromRecord is the part of a verified record that registration sends and
// an app reports when it attests:
// identity, versions, the signers that count and the digests that bind
// the content. Nothing else of the record, and never the file, leaves.
func FromRecord(rec *appsig.Record) api.Measurement {
	m := api.Measurement{Format: rec.Format, FileSHA256: rec.FileSHA256, FileName: rec.FileName,
		Signers: autoreg.SignerDigests(*rec), Digests: []string{}}
	if m.Signers == nil {
		m.Signers = []string{}
	}
	switch {
	case rec.APK != nil:
		a := rec.APK
		m.AppID, m.VersionCode, m.Version, m.Scheme = a.Package, a.VersionCode, a.VersionName, a.VerifiedScheme
		for _, d := range a.ContentDigests {
			m.Digests = append(m.Digests, d.Alg+":"+d.Hex)
		}
		if len(m.Digests) == 0 { // v1 only: the file itself
			m.Digests = append(m.Digests, "file-sha256:"+rec.FileSHA256)
		}
	case rec.AAB != nil:
		a := rec.AAB
		m.AppID, m.VersionCode, m.Version = a.Package, a.VersionCode, a.VersionName
		m.Digests = append(m.Digests, "entries-sha256:"+a.EntriesSHA256)
	case rec.IPA != nil:
		i := rec.IPA
		m.AppID, m.Version, m.Build, m.TeamID = i.BundleID, i.Version, i.Build, i.TeamID
		for _, s := range i.Executable.Slices {
			m.Digests = append(m.Digests, "cdhash-"+s.CDHashType+":"+s.CDHashFull)
		}
	}
	return m
}
