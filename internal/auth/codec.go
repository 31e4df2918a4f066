package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"strings"
)

// b32 is Crockford's base32 alphabet in lower case, without padding: no
// i, l, o or u, so codes read aloud or retyped are less ambiguous.
const b32Alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

var b32 = base32.NewEncoding(b32Alphabet).WithPadding(base32.NoPadding)

const checksumSize = 4

// maxEncoded bounds any code or token before it is decoded.
const maxEncoded = 16 * 1024

var errTruncated = errors.New("truncated")

// checksum is the first four bytes of SHA-256 over the prefix, the public
// part and the payload: any single typo is caught with probability 1-2^-32.
func checksum(prefix, public string, payload []byte) []byte {
	d := sha256.Sum256(transcript(purposeChecksum, []byte(prefix), []byte(public), payload))
	return d[:checksumSize]
}

// seal appends the checksum and base32-encodes.
func seal(prefix, public string, payload []byte) string {
	return b32.EncodeToString(append(payload, checksum(prefix, public, payload)...))
}

// unseal decodes and checks the checksum, returning the payload.
func unseal(prefix, public, body string) ([]byte, bool) {
	raw, err := b32.DecodeString(body)
	// Re-encoding must give the input back: base32 decoding ignores stray
	// trailing bits, which would let a doubled last character through.
	if err != nil || len(raw) < checksumSize || b32.EncodeToString(raw) != body {
		return nil, false
	}
	payload, sum := raw[:len(raw)-checksumSize], raw[len(raw)-checksumSize:]
	return payload, subtle.ConstantTimeCompare(sum, checksum(prefix, public, payload)) == 1
}

// normalize trims blanks and folds case: codes are case-insensitive.
func normalize(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// reader consumes a payload, recording the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || len(r.b) < n {
		r.err = errTruncated
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) str8() string { return string(r.bytes(int(r.byte()))) }

func (r *reader) str16() string {
	b := r.bytes(2)
	if b == nil {
		return ""
	}
	return string(r.bytes(int(binary.BigEndian.Uint16(b))))
}

func (r *reader) strings() []string {
	n := int(r.byte())
	if n > maxLocations {
		r.err = errTruncated
		return nil
	}
	out := make([]string, 0, n)
	for range n {
		out = append(out, r.str16())
	}
	return out
}

// done reports success only if every byte was consumed.
func (r *reader) done() bool { return r.err == nil && len(r.b) == 0 }

func appendStr8(b []byte, s string) []byte { return append(append(b, byte(len(s))), s...) }
func appendStr16(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint16(b, uint16(len(s))), s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, byte(len(ss)))
	for _, s := range ss {
		b = appendStr16(b, s)
	}
	return b
}
