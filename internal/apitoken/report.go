package apitoken

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/golang-jwt/jwt/v5"
)

// Binding says whether a token is bound to data and whether that was checked.
type Binding string

// Binding states.
const (
	NotBound  Binding = "not-bound" // no pay claim and no data given
	Unchecked Binding = "unchecked" // pay claim present, no data given
	Matches   Binding = "matches"   // pay is the hash of the given data
	Differs   Binding = "differs"   // pay is not the hash of the given data
	Missing   Binding = "missing"   // data given, but the token has no pay claim
)

// Report explains a token, for people and for --json. It never holds the
// secret or the signature.
type Report struct {
	Valid            bool      `json:"valid"`
	Problem          string    `json:"problem,omitempty"` // the first reason it is not valid
	ExpiresAt        time.Time `json:"expires_at,omitzero"`
	ExpiresInSeconds int64     `json:"expires_in_seconds"` // negative once expired
	Binding          Binding   `json:"binding,omitempty"`  // empty when the token did not decode
	Header           []Claim   `json:"header"`
	Claims           []Claim   `json:"claims"`
}

// Claim is one header parameter or claim with what it means. Value is the
// JSON text of the value, ASCII-only and bounded, safe to print.
type Claim struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Meaning string `json:"meaning"`
	Note    string `json:"note,omitempty"`
}

var headerMeanings = map[string]string{
	"alg": "signing algorithm: Approov tokens use HS256 (HMAC-SHA256 with the account secret)",
	"typ": "media type of the token",
	"kid": "key id: which account secret signed it (approov secret set-kid)",
}

var claimMeanings = map[string]string{
	"exp":   "expiry: seconds since 1970 UTC after which the token must be refused",
	"ip":    "the IP address of the device as the Approov service saw it",
	"did":   "device id: identifies one app installation (may change on reinstall)",
	"pay":   "token binding: base64 SHA-256 of data the app bound to the token, e.g. its Authorization header",
	"iss":   "issuer: the service and account that issued it, when the account's policy sets it",
	"sub":   "subject: the app's package or bundle id, when the account's policy sets it",
	"aud":   "audience: the API domain the token is for, when the account's policy sets it",
	"ipk":   "installation public key: base64 SHA-256 of the app installation's key (its SubjectPublicKeyInfo)",
	"evi":   "evidence checked: server checks only (measurement, policy, overrides), or the platform evidence verified",
	"anno":  "annotations: device properties added by an annotation policy",
	"embed": "web-protection results embedded in the token",
	"iat":   "issued at: seconds since 1970 UTC",
	"nbf":   "not before: seconds since 1970 UTC before which the token must be refused",
	"jti":   "token id",
	"sip":   "signature prefix: only in loggable tokens, never in real ones",
}

// claimOrder is the order known claims are reported in; others follow by name.
var claimOrder = []string{"exp", "ip", "did", "pay", "iss", "sub", "aud", "ipk", "evi", "anno", "embed", "iat", "nbf", "jti", "sip"}

func newReport(tok *jwt.Token, mc jwt.MapClaims, bind []byte, now time.Time) Report {
	rep := Report{Header: []Claim{}, Claims: []Claim{}}
	if tok == nil {
		return rep
	}
	rep.Binding = binding(mc, bind)
	if exp, err := mc.GetExpirationTime(); err == nil && exp != nil {
		rep.ExpiresAt = exp.UTC()
		rep.ExpiresInSeconds = int64(exp.Sub(now) / time.Second)
	}
	rep.Header = describe(tok.Header, []string{"alg", "typ", "kid"}, headerMeanings, nil)
	rep.Claims = describe(mc, claimOrder, claimMeanings, func(name string) string {
		return rep.note(name, mc[name], now)
	})
	return rep
}

func binding(mc jwt.MapClaims, bind []byte) Binding {
	pay, present := mc["pay"]
	switch {
	case bind == nil && !present:
		return NotBound
	case bind == nil:
		return Unchecked
	case !present:
		return Missing
	case pay == PayloadHash(bind):
		return Matches
	}
	return Differs
}

// describe lists m's entries: the known names in order, then the rest sorted.
func describe(m map[string]any, order []string, meanings map[string]string, note func(string) string) []Claim {
	names := sortedNames(m, order)
	out := make([]Claim, 0, len(names))
	for _, name := range names {
		c := Claim{Name: safeName(name), Value: jsonText(m[name]), Meaning: meanings[name]}
		if c.Meaning == "" {
			c.Meaning = "not a claim the Approov service sets"
		}
		if note != nil {
			c.Note = note(name)
		}
		out = append(out, c)
	}
	return out
}

func sortedNames(m map[string]any, order []string) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if ia, ib := rank(order, a), rank(order, b); ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	return names
}

func rank(order []string, name string) int {
	if i := slices.Index(order, name); i >= 0 {
		return i
	}
	return len(order)
}

// note says what a value means here: time left, a bad IP, the binding.
func (r Report) note(name string, v any, now time.Time) string {
	switch name {
	case "exp":
		return r.expiryNote(now)
	case "ip":
		if s, ok := v.(string); !ok || !validIP(s) {
			return "not an IP address"
		}
	case "pay":
		return bindingNotes[r.Binding]
	}
	return ""
}

var bindingNotes = map[Binding]string{
	Unchecked: "not checked: no data was given to check the binding against",
	Matches:   "matches the given data",
	Differs:   "does not match the given data",
}

func (r Report) expiryNote(now time.Time) string {
	if r.ExpiresAt.IsZero() {
		return "not a time"
	}
	left := r.ExpiresAt.Sub(now).Round(time.Second)
	at := r.ExpiresAt.Format(time.RFC3339)
	if left <= 0 {
		return fmt.Sprintf("%s: expired %s ago", at, -left)
	}
	return fmt.Sprintf("%s: expires in %s", at, left)
}

func validIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func safeName(name string) string {
	if len(name) <= MaxKeyIDLength && printable(name) {
		return name
	}
	return quote(name)
}

// maxValueText bounds a reported value; longer ones end with "…".
const maxValueText = 256

// jsonText renders v as JSON with every non-ASCII rune escaped, so that no
// claim can carry terminal controls or bidirectional overrides to a screen.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	var sb strings.Builder
	for _, r := range string(b) {
		if sb.Len() >= maxValueText {
			sb.WriteString("...")
			break
		}
		writeASCII(&sb, r)
	}
	return sb.String()
}

func writeASCII(sb *strings.Builder, r rune) {
	if r < 0x80 {
		sb.WriteRune(r)
		return
	}
	if r1, r2 := utf16.EncodeRune(r); r1 != '\uFFFD' {
		sb.WriteString(`\u` + strconv.FormatInt(int64(r1), 16) + `\u` + strconv.FormatInt(int64(r2), 16))
		return
	}
	fmt.Fprintf(sb, `\u%04x`, r)
}
