package app

import (
	"fmt"

	"github.com/approov-cli/approov/internal/appsig/ipa"
)

func ipaLines(m *ipa.Measurement) [][2]string {
	l := [][2]string{{"Bundle ID", m.BundleID}, {"Version", fmt.Sprintf("%s (build %s)", m.Version, m.Build)}}
	if m.AdHoc {
		l = append(l, [2]string{"Signature", "ad-hoc (no team, no signer certificate)"})
	} else {
		l = append(l, [2]string{"Team ID", m.TeamID})
	}
	if m.Signer != nil {
		l = append(l, [2]string{"Signer", m.Signer.CertSHA256 + " (" + m.Signer.Subject + ")"})
	}
	l = append(l, [2]string{"Executable", m.Executable.Name})
	for _, s := range m.Executable.Slices {
		l = append(l, [2]string{"cdhash " + s.CPU, fmt.Sprintf("%s (%s %s)", s.CDHash, s.CDHashType, s.CDHashFull)})
	}
	if m.EntitlementsSHA256 != "" {
		l = append(l, [2]string{"Entitlements", m.EntitlementsSHA256})
	}
	if p := m.Profile; p != nil {
		l = append(l, [2]string{"Profile", fmt.Sprintf("%s team %s, expires %s", p.UUID, p.Team, p.Expires)})
	}
	for _, n := range m.Nested {
		l = append(l, [2]string{"Nested", n.Path})
	}
	for _, n := range m.Notes {
		l = append(l, [2]string{"Note", n})
	}
	return l
}
