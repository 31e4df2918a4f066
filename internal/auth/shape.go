package auth

import "strings"

// Shape says what s looks like when it could be a secret that lost its
// prefix or was given in the wrong place ("a management token without its
// aom_ prefix"), or "" when it looks like none. Callers print this instead
// of the value: whatever its shape, a value that could be a secret is never
// echoed.
func Shape(s string) string {
	s = normalize(strings.Trim(strings.TrimSpace(s), `"'`))
	switch {
	case strings.Contains(s, TokenPrefix):
		return "a management token (aom_…)"
	case strings.Contains(s, CodePrefix):
		return "an onboarding code (aoc_…)"
	}
	// "aom"/"aoc" with a mistyped separator.
	for _, p := range []struct{ prefix, what string }{{TokenPrefix, "a management token"}, {CodePrefix, "an onboarding code"}} {
		if rest, ok := strings.CutPrefix(s, p.prefix[:3]); ok && looksLikeBody(strings.TrimLeft(rest, "-_.: ")) {
			return p.what + " with a damaged " + p.prefix + " prefix"
		}
	}
	if id, body, ok := strings.Cut(s, "."); ok && validID(id) && isBase32(body, 8) {
		return "an onboarding code without its aoc_ prefix"
	}
	if _, ok := unseal(TokenPrefix, "", s); ok && isBase32(s, 32) {
		return "a management token without its aom_ prefix"
	}
	if isBase32(s, 32) {
		return "a secret (a long base32 string, maybe a code or token without its prefix)"
	}
	return ""
}

// looksLikeBody: a token's body, or a code's "<id>.<body>".
func looksLikeBody(s string) bool {
	id, body, ok := strings.Cut(s, ".")
	return isBase32(s, 32) || (ok && validID(id) && isBase32(body, 8))
}

// isBase32 reports whether s is at least min characters of the code alphabet.
func isBase32(s string, min int) bool {
	if len(s) < min {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune(b32Alphabet, c) {
			return false
		}
	}
	return true
}
