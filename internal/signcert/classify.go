package signcert

import (
	"crypto/x509"
	"strings"
)

// appleIdentities are the common-name prefixes Apple gives signing
// certificates ("Apple Development: Jane Doe (AB12CD34EF)"), current and
// pre-2019 names, and whether each is a development identity.
var appleIdentities = []struct {
	prefix string
	dev    bool
}{
	{"Apple Development: ", true},
	{"iPhone Developer: ", true},
	{"Mac Developer: ", true},
	{"Apple Distribution: ", false},
	{"iPhone Distribution: ", false},
	{"Developer ID Application: ", false},
	{"3rd Party Mac Developer Application: ", false},
}

// classify guesses the platform from the subject: Apple identities are named
// by Apple's prefixes and carry the team ID as OU; every other certificate is
// taken for an Android one (those are self-signed, with any subject).
func classify(cert *x509.Certificate) (p Platform, team string, dev bool) {
	cn := cert.Subject.CommonName
	for _, id := range appleIdentities {
		if strings.HasPrefix(cn, id.prefix) {
			return Apple, teamID(cert.Subject.OrganizationalUnit), id.dev
		}
	}
	return Android, "", isAndroidDebug(cert)
}

// teamID returns the single OU when it has the form of an Apple team ID:
// ten upper-case letters or digits.
func teamID(ou []string) string {
	if len(ou) != 1 || len(ou[0]) != 10 {
		return ""
	}
	for _, r := range ou[0] {
		if (r < '0' || r > '9') && (r < 'A' || r > 'Z') {
			return ""
		}
	}
	return ou[0]
}

// isAndroidDebug recognises the certificate of Android's debug keystore
// (~/.android/debug.keystore), which the build tools create as
// "CN=Android Debug,O=Android,C=US".
func isAndroidDebug(cert *x509.Certificate) bool {
	s := cert.Subject
	return s.CommonName == "Android Debug" && len(s.Organization) == 1 && s.Organization[0] == "Android"
}
