package sdkconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// VerifyOptions say what a configuration must be beyond well signed.
type VerifyOptions struct {
	// Account, when set, is the only account accepted (a client always sets it).
	Account string
	// MinVersion refuses older versions (rollback): a client passes the
	// version it holds.
	MinVersion uint64
}

// Verify checks a signed configuration in the order docs/sdk-config.md
// gives: size, header (ES256 only, typ, kid), signature with pub, content,
// account, version. Errors are of kind Invalid; a rollback wraps ErrRollback
// and a wrong account ErrWrongAccount. Surrounding white space is ignored.
func Verify(token string, pub *ecdsa.PublicKey, opts VerifyOptions) (Config, error) {
	if len(token) > MaxConfigSize {
		return Config{}, invalidf("the configuration is %d bytes; at most %d are accepted", len(token), MaxConfigSize)
	}
	kid, err := KeyPin(pub)
	if err != nil {
		return Config{}, err
	}
	w := &claims{}
	tok, err := parser().ParseWithClaims(strings.TrimSpace(token), w, es256Key(pub))
	if err = problem(tok, err, kid.String()); err != nil {
		return Config{}, err
	}
	c, err := w.config()
	if err != nil {
		return Config{}, err
	}
	if err := opts.check(c); err != nil {
		return Config{}, err
	}
	return c, nil
}

func parser() *jwt.Parser {
	return jwt.NewParser(jwt.WithValidMethods([]string{Algorithm}), jwt.WithStrictDecoding(), jwt.WithoutClaimsValidation())
}

// es256Key hands out the key only for ES256, whatever the parser allows.
func es256Key(pub *ecdsa.PublicKey) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodES256 {
			return nil, errors.New("algorithm is not ES256")
		}
		return pub, nil
	}
}

func (o VerifyOptions) check(c Config) error {
	if o.Account != "" && c.Account != o.Account {
		return invalidf("the configuration is for account %s, not %s: %w", c.Account, quote(o.Account), ErrWrongAccount)
	}
	if c.Version < o.MinVersion {
		return invalidf("configuration version %d is older than version %d: %w refused", c.Version, o.MinVersion, ErrRollback)
	}
	return nil
}

// problem turns the parser's verdict into one clear error, header first.
func problem(tok *jwt.Token, err error, kid string) error {
	if tok == nil || errors.Is(err, jwt.ErrTokenMalformed) {
		return invalidf("the configuration is malformed: %s", oneLine(strings.TrimPrefix(err.Error(), jwt.ErrTokenMalformed.Error()+": ")))
	}
	if herr := checkHeader(tok.Header, kid); herr != nil {
		return herr
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && len(tok.Signature) != 64:
		return invalidf("the signature is %d bytes; an ES256 signature is 64 (r||s)", len(tok.Signature))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return invalidf("the signature does not verify with the configuration key: the configuration was altered, or signed by another key")
	}
	return invalidf("the configuration cannot be verified: %s", oneLine(err.Error()))
}

func checkHeader(h map[string]any, kid string) error {
	alg, _ := h["alg"].(string)
	typ, _ := h["typ"].(string)
	got, hasKid := h["kid"].(string)
	switch {
	case alg == "":
		return invalidf("the configuration header names no algorithm (alg); SDK configurations are ES256")
	case strings.EqualFold(alg, "none"):
		return invalidf("unsigned configuration (alg %s) refused: SDK configurations are signed with ES256", quote(alg))
	case alg != Algorithm:
		return invalidf("algorithm %s refused: SDK configurations are signed with ES256 only", quote(alg))
	case typ != MediaType:
		return invalidf("the header typ is %s, not %s: this is not an SDK configuration", quote(typ), MediaType)
	case h["crit"] != nil:
		return invalidf("the configuration header lists critical extensions (crit), which SDK configurations never use")
	case hasKid && got != kid:
		return invalidf("the configuration was signed by another key (kid %s, expected %s)", quote(got), kid)
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

// p256 reports whether pub is a usable P-256 public key.
func p256(pub *ecdsa.PublicKey) bool {
	return pub != nil && pub.Curve == elliptic.P256()
}
