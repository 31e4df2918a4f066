package auth

import (
	"crypto/rand"
	"math/big"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
)

// pinDigits is the length of a recovery PIN: 12 decimal digits, about 40
// bits, behind Argon2id and the service's rate limit.
const pinDigits = 12

// NewPIN returns a fresh recovery PIN formatted as three groups of four
// digits, e.g. "4821-9930-1174". It is generated on the client and only an
// Argon2id-derived public key of it ever leaves the machine.
func NewPIN() string {
	var b strings.Builder
	for i := range pinDigits {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + n.Int64()))
	}
	return b.String()
}

// NormalizePIN strips blanks and dashes and checks the PIN has 12 digits.
func NormalizePIN(s string) ([]byte, error) {
	out := make([]byte, 0, pinDigits)
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9':
			out = append(out, c)
		case c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			return nil, fault.New(fault.Invalid, "a recovery PIN has only digits")
		}
	}
	if len(out) != pinDigits {
		return nil, fault.New(fault.Invalid, "a recovery PIN has %d digits, got %d", pinDigits, len(out))
	}
	return out, nil
}
