package apitoken

import (
	"crypto/rand"
	"net/netip"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/approov-cli/approov/internal/fault"
)

// NoIP is the ip claim of a token issued to a client whose address the
// service did not see.
const NoIP = "0.0.0.0"

// IssueOptions are the claims of a token the attestation endpoint issues.
// Empty optional claims are left out; the caller sets the same claims for a
// failing app as for a passing one, so the two differ only in the key.
type IssueOptions struct {
	Valid     bool      // sign with the secret; otherwise a random key of its length
	Expires   time.Time // exp
	IP        string    // ip: the client's address (NoIP when not an address)
	DeviceID  string    // did: the installation id
	Issuer    string    // iss
	Subject   string    // sub
	Audience  string    // aud
	InstallPK string    // ipk
	Evidence  string    // evi: which evidence was checked
}

// issued is the payload, in the order written.
type issued struct {
	Exp *jwt.NumericDate `json:"exp"`
	IP  string           `json:"ip"`
	DID string           `json:"did"`
	Iss string           `json:"iss,omitempty"`
	Sub string           `json:"sub,omitempty"`
	Aud string           `json:"aud,omitempty"`
	IPK string           `json:"ipk,omitempty"`
	Evi string           `json:"evi"`
}

// GetExpirationTime and the rest make issued a jwt.Claims.
func (c issued) GetExpirationTime() (*jwt.NumericDate, error) { return c.Exp, nil }
func (c issued) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c issued) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c issued) GetIssuer() (string, error)                   { return c.Iss, nil }
func (c issued) GetSubject() (string, error)                  { return c.Sub, nil }
func (c issued) GetAudience() (jwt.ClaimStrings, error)       { return jwt.ClaimStrings{c.Aud}, nil }

// Issue signs an attestation token: HS256, kid when set. Valid or not, the
// work is the same (one random draw, one HMAC), so the time it takes says
// nothing either.
func Issue(secret []byte, kid string, o IssueOptions) (string, error) {
	if err := checkSecret(secret); err != nil {
		return "", err
	}
	if err := checkKeyID(kid); err != nil {
		return "", err
	}
	if len(o.DeviceID) > MaxDeviceIDLength || !printable(o.DeviceID) {
		return "", fault.New(fault.Invalid, "device id is longer than %d bytes or not printable ASCII", MaxDeviceIDLength)
	}
	random := make([]byte, len(secret))
	rand.Read(random) // never fails (crypto/rand, Go 1.24+)
	key := random
	if o.Valid {
		key = secret
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, o.claims())
	if kid != "" {
		tok.Header["kid"] = kid
	}
	return tok.SignedString(key)
}

func (o IssueOptions) claims() issued {
	ip := NoIP
	if a, err := netip.ParseAddr(o.IP); err == nil {
		ip = a.Unmap().String()
	}
	return issued{Exp: jwt.NewNumericDate(o.Expires), IP: ip, DID: o.DeviceID, Iss: o.Issuer,
		Sub: o.Subject, Aud: o.Audience, IPK: o.InstallPK, Evi: o.Evidence}
}
