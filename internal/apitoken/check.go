package apitoken

import (
	"crypto/hmac"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/approov-cli/approov/internal/fault"
)

// CheckOptions say what Check requires beyond algorithm, signature and expiry.
type CheckOptions struct {
	Bind   []byte        // when non-nil, the token must be bound to it (pay)
	KeyID  string        // when set, the header kid must equal it
	Now    time.Time     // time.Now() when zero
	Leeway time.Duration // grace after exp for clock skew; not negative
}

func (o CheckOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Check verifies an Approov token: size, HS256 and nothing else (none, RS256,
// HS512… are refused), the kid when opts.KeyID is set, the signature with
// secret, exp (required) and the binding when opts.Bind is set. The Report is
// filled as far as the token could be decoded, also when err is not nil (its
// content is then unverified); err is of kind Invalid and names the first
// problem. Surrounding white space is ignored.
func Check(token string, secret []byte, opts CheckOptions) (Report, error) {
	if err := checkInputs(token, secret, opts); err != nil {
		return Report{Problem: err.Error(), Header: []Claim{}, Claims: []Claim{}}, err
	}
	now, mc := opts.now(), jwt.MapClaims{}
	tok, err := parser(now, opts.Leeway).ParseWithClaims(strings.TrimSpace(token), mc, hmacKey(secret))
	rep := newReport(tok, mc, opts.Bind, now)
	if err = problem(tok, err, opts.KeyID, now); err == nil {
		err = checkBinding(mc, opts.Bind)
	}
	if err != nil {
		rep.Problem = err.Error()
		return rep, err
	}
	rep.Valid = true
	return rep, nil
}

func checkInputs(token string, secret []byte, opts CheckOptions) error {
	if len(token) > MaxTokenSize {
		return invalidf("the token is %d bytes; at most %d are accepted", len(token), MaxTokenSize)
	}
	if opts.Leeway < 0 {
		return fault.New(fault.Usage, "leeway %s is negative", opts.Leeway)
	}
	return checkSecret(secret)
}

func parser(now time.Time, leeway time.Duration) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{Algorithm}),
		jwt.WithStrictDecoding(),
		jwt.WithJSONNumber(),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
}

// hmacKey hands out the secret only for HS256, whatever the parser allows.
func hmacKey(secret []byte) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 {
			return nil, errors.New("algorithm is not HS256")
		}
		return secret, nil
	}
}

// problem turns the parser's verdict into one clear error, header first.
func problem(tok *jwt.Token, err error, kid string, now time.Time) error {
	if tok == nil || errors.Is(err, jwt.ErrTokenMalformed) {
		return invalidf("the token is malformed: %s", oneLine(strings.TrimPrefix(err.Error(), jwt.ErrTokenMalformed.Error()+": ")))
	}
	if herr := checkHeader(tok.Header, kid); herr != nil {
		return herr
	}
	if err == nil {
		return nil
	}
	return claimsProblem(tok, err, now)
}

func checkHeader(h map[string]any, kid string) error {
	alg, _ := h["alg"].(string)
	switch {
	case alg == Algorithm:
	case alg == "":
		return invalidf("the token header names no algorithm (alg); Approov tokens are HS256")
	case strings.EqualFold(alg, "none"):
		return invalidf("unsigned token (alg %s) refused: Approov tokens are signed with HS256", quote(alg))
	default:
		return invalidf("algorithm %s refused: Approov tokens are signed with HS256 only", quote(alg))
	}
	if _, ok := h["crit"]; ok {
		return invalidf("the token header lists critical extensions (crit), which Approov tokens never use")
	}
	if got, _ := h["kid"].(string); kid != "" && got != kid {
		return invalidf("the token's key id (kid) is %s, not the account's %s", quote(got), quote(kid))
	}
	return nil
}

func claimsProblem(tok *jwt.Token, err error, now time.Time) error {
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && len(tok.Signature) != 32:
		return invalidf("the signature is %d bytes; an HS256 signature is 32", len(tok.Signature))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return invalidf("the signature does not match the account secret: the token was altered, or signed with another key (an invalid token)")
	case errors.Is(err, jwt.ErrInvalidType):
		return invalidf("the token's claims are not valid: %s", oneLine(err.Error()))
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalidf("the token has no expiry (exp): Approov tokens always expire")
	case errors.Is(err, jwt.ErrTokenExpired):
		exp, _ := tok.Claims.GetExpirationTime()
		return invalidf("the token expired at %s, %s ago", exp.UTC().Format(time.RFC3339), now.Sub(exp.Time).Round(time.Second))
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalidf("the token is not valid yet (nbf)")
	}
	return invalidf("the token cannot be verified: %s", oneLine(err.Error()))
}

// checkBinding: with data to check, pay must be present and its hash.
func checkBinding(mc jwt.MapClaims, data []byte) error {
	raw, present := mc["pay"]
	pay, isString := raw.(string)
	switch {
	case present && !isString:
		return invalidf("the pay claim is not a string")
	case data == nil:
		return nil
	case !present:
		return invalidf("the token is not bound to any data (no pay claim), but data to check the binding against was given")
	case !hmac.Equal([]byte(pay), []byte(PayloadHash(data))):
		return invalidf("the token is bound to other data: its pay claim is not the base64 SHA-256 of the given data")
	}
	return nil
}

// oneLine bounds a library message and strips anything a terminal would act on.
func oneLine(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}
