package ipa

import (
	"fmt"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/appsig/ipa/plists"
	"github.com/approov-cli/approov/internal/appsig/ipa/profile"
)

const profileName = "embedded.mobileprovision"

// readProfile parses the embedded profile. A developer-signed (CMS) app
// without one is rejected: iOS installs such an app only with its profile,
// and without it the team cannot be cross-checked. (App Store downloads
// carry Apple's signature and no profile, but they are also FairPlay
// encrypted and are not what a developer registers.) An ad-hoc app may lack it.
func (b *bundle) readProfile(m *Measurement) (*profile.Profile, error) {
	raw, err := b.read(profileName, profile.MaxSize)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		if m.AdHoc {
			return nil, nil
		}
		return nil, invalid("no %s: a developer-signed app must carry its provisioning profile", profileName)
	}
	p, err := profile.Parse(raw, b.lim.Plist)
	if err != nil {
		return nil, err
	}
	m.Profile = describeProfile(p)
	return p, nil
}

func describeProfile(p *profile.Profile) *Profile {
	out := &Profile{UUID: p.UUID, Name: p.Name, Team: p.Team(), TeamName: p.TeamName,
		Expires: p.ExpirationDate.Format(time.RFC3339), Platforms: p.Platforms,
		ProvisionedDevices: p.ProvisionedDevices, ProvisionsAllDevices: p.ProvisionsAllDevices,
		SignerSubject: p.SignerSubject}
	if !p.CreationDate.IsZero() {
		out.Created = p.CreationDate.Format(time.RFC3339)
	}
	if j, ok := plists.JSON(p.Entitlements).(map[string]any); ok && len(j) > 0 {
		out.Entitlements = j
	}
	return out
}

// checkIdentity cross-checks who signed: the team ID in the CodeDirectory
// (when present), the signer certificate's OU and the profile's team must
// agree; the signer must be one of the profile's developer certificates; the
// application identifiers must name this team and bundle; the profile must
// grant every signed entitlement.
func checkIdentity(m *Measurement, main *code, prof *profile.Profile) error {
	if id := m.Executable.Slices[0].Identifier; id != m.BundleID {
		m.Notes = append(m.Notes, "code signing identifier "+id+" differs from the bundle identifier")
	}
	if m.AdHoc {
		m.Notes = append(m.Notes, "ad-hoc signature: no signer, no team; the cdhash identifies the code but not who built it")
		if prof != nil {
			m.Notes = append(m.Notes, "the provisioning profile is not bound to an ad-hoc signature")
		}
		return nil
	}
	ou := m.Signer.SubjectOU
	switch {
	case ou == "":
		return invalid("signer certificate has no OU (team ID)")
	case main.team != "" && main.team != ou:
		return invalid("team ID mismatch: CodeDirectory says %s, signer certificate OU says %s", main.team, ou)
	case prof.Team() != ou:
		return invalid("team ID mismatch: signer certificate OU says %s, provisioning profile says %s", ou, prof.Team())
	case !prof.HasCertificate(main.signer.Leaf):
		return invalid("signer certificate is not one of the provisioning profile's developer certificates")
	}
	m.TeamID = ou
	return checkAppIdentifiers(m, prof)
}

func checkAppIdentifiers(m *Measurement, prof *profile.Profile) error {
	want := m.TeamID + "." + m.BundleID
	if got, ok := prof.Entitlements["application-identifier"].(string); ok && !appIDMatches(got, want) {
		return invalid("provisioning profile is for %s, not %s", got, want)
	}
	if got, ok := m.Entitlements["application-identifier"].(string); ok && got != want {
		return invalid("signed entitlements name application %s, not %s", got, want)
	}
	if missing := ungrantedEntitlements(m.Entitlements, m.Profile.Entitlements); len(missing) > 0 { // both in JSON form
		return invalid("provisioning profile does not grant the signed entitlement %s", listSome(missing, 5))
	}
	return nil
}

// listSome joins the first n names and counts the rest, keeping an error
// about a hostile plist with thousands of keys to one readable line.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// appIDMatches applies a profile's application identifier, which may end in
// a "*" wildcard ("TEAM.*", "TEAM.com.example.*").
func appIDMatches(pattern, appID string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(appID, prefix)
	}
	return pattern == appID
}
