// Package profile reads an iOS provisioning profile (embedded.mobileprovision):
// a CMS SignedData with attached content whose eContent is an XML plist.
//
// What is verified: the CMS signature over the plist by the certificate the
// CMS itself carries (the profile is intact as that signer produced it), and
// the plist's shape. What is not verified: that the signer chains to Apple's
// "Apple iPhone OS Provisioning Profile Signing" certificate. Apple's roots
// are not shipped with this tool, so a forged profile signed by any key
// verifies here; callers must present profile facts as claims cross-checked
// against the code signature, not as Apple's word.
package profile

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"time"

	"github.com/approov-cli/approov/internal/cms"

	"github.com/approov-cli/approov/internal/appsig/ipa/codesign"
	"github.com/approov-cli/approov/internal/appsig/ipa/plists"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/smallstep/pkcs7"
)

// MaxSize bounds the profile file; real ones are a few to a few hundred KiB.
const MaxSize = 4 << 20

// Profile holds the facts of a provisioning profile.
type Profile struct {
	UUID                  string
	Name                  string
	AppIDName             string
	TeamIdentifiers       []string
	TeamName              string
	CreationDate          time.Time
	ExpirationDate        time.Time
	Platforms             []string
	ProvisionedDevices    int  // number of listed devices (development / ad hoc)
	ProvisionsAllDevices  bool // enterprise
	Entitlements          map[string]any
	DeveloperCertificates []*x509.Certificate
	// SignerSubject is the subject of the certificate that signed the CMS.
	SignerSubject string
}

// raw mirrors the plist keys read; unknown keys are ignored.
type raw struct {
	UUID                  string         `plist:"UUID"`
	Name                  string         `plist:"Name"`
	AppIDName             string         `plist:"AppIDName"`
	TeamIdentifier        []string       `plist:"TeamIdentifier"`
	TeamName              string         `plist:"TeamName"`
	CreationDate          time.Time      `plist:"CreationDate"`
	ExpirationDate        time.Time      `plist:"ExpirationDate"`
	Platform              []string       `plist:"Platform"`
	ProvisionedDevices    []string       `plist:"ProvisionedDevices"`
	ProvisionsAllDevices  bool           `plist:"ProvisionsAllDevices"`
	Entitlements          map[string]any `plist:"Entitlements"`
	DeveloperCertificates [][]byte       `plist:"DeveloperCertificates"`
}

func invalid(format string, a ...any) error {
	return fault.New(fault.Invalid, "provisioning profile: "+format, a...)
}

// Parse verifies the profile's CMS signature (not its chain) and decodes it.
func Parse(der []byte, lim plists.Limits) (*Profile, error) {
	if len(der) > MaxSize {
		return nil, invalid("larger than %d bytes", MaxSize)
	}
	p7, err := parseCMS(der)
	if err != nil {
		return nil, err
	}
	if len(p7.Signers) != 1 || len(p7.Content) == 0 {
		return nil, invalid("want one signer and attached content")
	}
	if err := p7.Verify(); err != nil {
		return nil, invalid("CMS signature does not verify: %s", codesign.OneLine(err))
	}
	var r raw
	if err := plists.Decode(p7.Content, &r, "provisioning profile", lim); err != nil {
		return nil, err
	}
	if plists.Depth(r.Entitlements) > lim.MaxDepth {
		return nil, invalid("entitlements nested too deeply")
	}
	return r.profile(p7.GetOnlySigner())
}

// parseCMS parses the profile's CMS wrapper through the project's guarded parser.
func parseCMS(der []byte) (*pkcs7.PKCS7, error) {
	p7, err := cms.Parse(der)
	if err != nil {
		return nil, invalid("malformed CMS: %v", err)
	}
	return p7, nil
}

func (r *raw) profile(signer *x509.Certificate) (*Profile, error) {
	if r.UUID == "" || len(r.TeamIdentifier) == 0 || r.ExpirationDate.IsZero() {
		return nil, invalid("missing UUID, TeamIdentifier or ExpirationDate")
	}
	p := &Profile{UUID: r.UUID, Name: r.Name, AppIDName: r.AppIDName, TeamIdentifiers: r.TeamIdentifier,
		TeamName: r.TeamName, CreationDate: r.CreationDate.UTC(), ExpirationDate: r.ExpirationDate.UTC(),
		Platforms: r.Platform, ProvisionedDevices: len(r.ProvisionedDevices),
		ProvisionsAllDevices: r.ProvisionsAllDevices, Entitlements: r.Entitlements}
	if signer != nil {
		p.SignerSubject = signer.Subject.String()
	}
	for i, der := range r.DeveloperCertificates {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, invalid("developer certificate %d is not a valid X.509 certificate", i)
		}
		p.DeveloperCertificates = append(p.DeveloperCertificates, c)
	}
	return p, nil
}

// Team is the profile's team: the first TeamIdentifier.
func (p *Profile) Team() string { return p.TeamIdentifiers[0] }

// HasCertificate reports whether cert is one of the profile's developer certificates.
func (p *Profile) HasCertificate(cert *x509.Certificate) bool {
	for _, c := range p.DeveloperCertificates {
		if c.Equal(cert) {
			return true
		}
	}
	return false
}

// CertSHA256 is the lowercase hex SHA-256 of a certificate's DER encoding.
func CertSHA256(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}
