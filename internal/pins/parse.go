package pins

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
)

// MaxPinText bounds the length of a pin string given to Parse.
const MaxPinText = 256

// EmptyInputPin is SHA-256 of nothing: what the classic pipeline
// "openssl x509 -pubkey | openssl rsa -pubin …" prints for an EC key, since
// `openssl rsa` writes nothing to stdout and the digest of empty input follows.
var EmptyInputPin = Pin(sha256.Sum256(nil))

// Parse reads one pin in any common spelling: "sha256/<base64>" (OkHttp),
// "pin-sha256=\"<base64>\"" (HPKP), bare standard base64 (with or without
// padding), URL-safe base64 (normalised, with a warning), or 64 hex digits
// (colons allowed). It rejects SHA-1 pins, digests of the wrong length and
// the SHA-256 of empty input. Warnings are returned, never printed.
func Parse(s string) (Pin, []string, error) {
	p, urlSafe, err := decodePin(s)
	if err != nil {
		return p, nil, err
	}
	if p == EmptyInputPin {
		return p, nil, invalidf("pin %s is the SHA-256 of empty input, not of a key: "+
			"the pipeline that made it produced no key (typically `openssl rsa -pubin` run on an EC key); "+
			"use `openssl pkey -pubin -outform der` or `approov pin extract`", p)
	}
	var warns []string
	if urlSafe {
		warns = append(warns, "pin was written in URL-safe base64; normalised to "+p.String())
	}
	if w := placeholderWarning(p); w != "" {
		warns = append(warns, w)
	}
	return p, warns, nil
}

// decodePin strips the prefix and decodes the digest, checking its length.
func decodePin(s string) (p Pin, urlSafe bool, err error) {
	if len(s) > MaxPinText {
		return p, false, invalidf("pin is %d characters long; a SHA-256 pin has 44", len(s))
	}
	body, err := stripPrefix(strings.TrimSpace(s))
	if err != nil {
		return p, false, err
	}
	if body == "" {
		return p, false, invalidf("empty pin")
	}
	raw, urlSafe, err := decodeDigest(body)
	if err != nil {
		return p, false, err
	}
	if len(raw) != sha256.Size {
		return p, false, wrongLength(s, len(raw))
	}
	copy(p[:], raw)
	return p, urlSafe, nil
}

// stripPrefix removes an algorithm prefix and refuses algorithms other than SHA-256.
func stripPrefix(s string) (string, error) {
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "sha256/"):
		return s[len("sha256/"):], nil
	case strings.HasPrefix(lower, "pin-sha256="):
		return strings.Trim(s[len("pin-sha256="):], `"`), nil
	case strings.HasPrefix(lower, "sha256:"):
		return s[len("sha256:"):], nil
	case strings.HasPrefix(lower, "sha1/"), strings.HasPrefix(lower, "sha1:"), strings.HasPrefix(lower, "pin-sha1="):
		return "", invalidf("SHA-1 pins are refused: SHA-1 is broken and no current client needs it; use the sha256/ pin")
	}
	if m := otherAlgorithm.FindString(s); m != "" {
		return "", invalidf("unsupported pin algorithm %q: only sha256 pins are accepted", truncate(m[:len(m)-1], 16))
	}
	return s, nil
}

// decodeDigest decodes hex or base64 (standard or URL-safe, padded or not).
func decodeDigest(s string) (raw []byte, urlSafe bool, err error) {
	if isHex(s) {
		if raw, err := hex.DecodeString(strings.ReplaceAll(s, ":", "")); err == nil {
			return raw, false, nil
		}
	}
	if strings.ContainsAny(s, "-_") {
		if strings.ContainsAny(s, "+/") {
			return nil, false, invalidf("pin %q mixes standard and URL-safe base64 alphabets", truncate(s, 64))
		}
		s, urlSafe = strings.NewReplacer("-", "+", "_", "/").Replace(s), true
	}
	body := strings.TrimRight(s, "=")
	if pad := len(s) - len(body); pad > 2 {
		return nil, false, invalidf("pin %q has too much base64 padding", truncate(s, 64))
	}
	raw, err = base64.RawStdEncoding.DecodeString(body) // not Strict: TrustKit's "BBBB…=" filler has stray bits
	if err != nil {
		return nil, false, invalidf("pin %q is neither base64 nor hex", truncate(s, 64))
	}
	return raw, urlSafe, nil
}

func wrongLength(s string, n int) error {
	if n == 20 {
		return invalidf("pin decodes to 20 bytes, a SHA-1 digest: SHA-1 pins are refused; use the SHA-256 pin (32 bytes)")
	}
	return invalidf("pin %q decodes to %d bytes; a SHA-256 pin has 32", truncate(s, 64), n)
}

// IsPlaceholder reports whether p looks like a filler rather than the hash
// of a real key (one repeated byte or base64 character).
func IsPlaceholder(p Pin) bool { return placeholderWarning(p) != "" }

// placeholderWarning flags digests that are a single repeated byte, like the
// "AAAA…=" and "BBBB…=" fillers people add to satisfy TrustKit's two-pin rule.
func placeholderWarning(p Pin) string {
	if bytes.Count(p[:], p[:1]) == len(p) {
		return "pin " + p.String() + " looks like a placeholder (one repeated byte), not the hash of a real key"
	}
	if s := p.String(); strings.Count(s, s[:1]) >= 40 {
		return "pin " + s + " looks like a placeholder (one repeated character), not the hash of a real key"
	}
	return ""
}

func isHex(s string) bool {
	clean := strings.ReplaceAll(s, ":", "")
	if len(clean) != 2*sha256.Size && len(clean) != 40 {
		return false
	}
	for _, c := range clean {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// otherAlgorithm matches a digest-algorithm prefix we do not accept.
var otherAlgorithm = regexp.MustCompile(`^(?i)(sha-?(224|384|512|3-[0-9]+)|sha512-256|md[245]|blake[0-9a-z]*)[/:=]`)
