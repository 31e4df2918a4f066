// Package apitoken makes and checks Approov tokens: HS256 JWTs signed with the
// account secret, carrying exp, ip, did and, when bound to data, pay (the
// standard padded base64 of the data's SHA-256). `approov token example` and
// `token check` use it, and so will the attestation endpoint. It knows nothing
// of terminals: Check returns a Report the caller renders. The secret never
// appears in an error or a Report.
package apitoken

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"

	"github.com/approov-cli/approov/internal/fault"
)

// Bounds on inputs.
const (
	// MaxTokenSize: longer tokens are refused before any parsing.
	MaxTokenSize = 16 << 10
	// MinSecretSize: HS256 with a shorter secret can be brute-forced.
	MinSecretSize = 16
	// MaxSecretSize bounds the secret (HMAC hashes longer keys anyway).
	MaxSecretSize = 1024
	// MaxKeyIDLength bounds the kid header.
	MaxKeyIDLength = 64
	// MaxDeviceIDLength bounds the did claim of an example token.
	MaxDeviceIDLength = 256
)

// Algorithm is the only signing algorithm Approov tokens use.
const Algorithm = "HS256"

// PayloadHash returns the pay claim binding a token to data: the standard
// base64 (with padding) of SHA-256(data), as the Approov SDK writes it.
func PayloadHash(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func checkSecret(secret []byte) error {
	if len(secret) < MinSecretSize || len(secret) > MaxSecretSize {
		return fault.New(fault.Invalid, "the account secret is %d bytes; it must be %d to %d", len(secret), MinSecretSize, MaxSecretSize)
	}
	return nil
}

func checkKeyID(kid string) error {
	if len(kid) > MaxKeyIDLength || !printable(kid) {
		return fault.New(fault.Invalid, "key id %s is longer than %d bytes or not printable ASCII", quote(kid), MaxKeyIDLength)
	}
	return nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func invalidf(format string, a ...any) error { return fault.New(fault.Invalid, format, a...) }

// quote makes hostile text safe for a one-line message: bounded and escaped.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.QuoteToASCII(s)
}

// CheckKeyID refuses a kid header Example would refuse: longer than
// MaxKeyIDLength or not printable ASCII. The empty kid (none) is fine.
func CheckKeyID(kid string) error { return checkKeyID(kid) }
