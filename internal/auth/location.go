package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/safetext"
)

// Limits on what a code or token may carry, so parsing stays bounded.
const (
	maxLocations   = 8
	maxLocationLen = 1024
)

// LocalPrefix marks the location of an embedded store: "local:<path>".
const LocalPrefix = "local:"

// ValidateLocations checks a backend location list: exactly one
// "local:<absolute path>", or one to eight https:// URLs tried in order.
func ValidateLocations(locs []string) error {
	if len(locs) == 0 || len(locs) > maxLocations {
		return fault.New(fault.Invalid, "backend location list must have 1..%d entries, has %d", maxLocations, len(locs))
	}
	for _, l := range locs {
		if err := validateLocation(l, len(locs)); err != nil {
			return err
		}
	}
	return nil
}

func validateLocation(l string, n int) error {
	if len(l) > maxLocationLen {
		return fault.New(fault.Invalid, "backend location longer than %d bytes", maxLocationLen)
	}
	// A location is printed (whoami, errors): control or invisible
	// characters could fake terminal output, and no real path or URL needs them.
	if !safetext.Printable(l) {
		return fault.New(fault.Invalid, "backend location %q holds control or invisible characters", truncate(l, 80))
	}
	if p, ok := strings.CutPrefix(l, LocalPrefix); ok {
		if n != 1 || !filepath.IsAbs(p) {
			return fault.New(fault.Invalid, "local backend location must be a single absolute path, got %q", truncate(l, 80))
		}
		return nil
	}
	base, _, err := SplitPin(l)
	if err != nil {
		return err
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery {
		return fault.New(fault.Invalid, "backend location %q is neither local:<path> nor an https:// URL without query", truncate(l, 80))
	}
	return nil
}

// LocalPath returns the store path of a local location list, and whether the
// list names a local store.
func LocalPath(locs []string) (string, bool) {
	if len(locs) != 1 {
		return "", false
	}
	return strings.CutPrefix(locs[0], LocalPrefix)
}

// PinFragment introduces the TLS pin an https:// location may carry, for a
// server whose certificate no CA vouches for (approovd --dev):
// "https://127.0.0.1:8443#pin-sha256=<base64url SHA-256 of the SPKI>".
// Old clients parse such a location as a plain URL, so codes stay
// compatible; the fragment never reaches the server.
const PinFragment = "pin-sha256="

// TLSPin is the SHA-256 of a certificate's SubjectPublicKeyInfo (DER), as
// HPKP and Approov's own pins are.
func TLSPin(spkiDER []byte) []byte {
	sum := sha256.Sum256(spkiDER)
	return sum[:]
}

// WithPin returns the https location base pinned to pin.
func WithPin(base string, pin []byte) string {
	return base + "#" + PinFragment + base64.RawURLEncoding.EncodeToString(pin)
}

// SplitPin splits an https:// location into its URL (without fragment)
// and the TLS pin it carries, nil when none.
func SplitPin(loc string) (string, []byte, error) {
	base, frag, found := strings.Cut(loc, "#")
	if !found {
		return loc, nil, nil
	}
	enc, ok := strings.CutPrefix(frag, PinFragment)
	pin, err := base64.RawURLEncoding.DecodeString(enc)
	if !ok || err != nil || len(pin) != sha256.Size {
		return "", nil, fault.New(fault.Invalid, "backend location %q: the only fragment allowed is #%s<base64url SHA-256>", truncate(loc, 80), PinFragment)
	}
	return base, pin, nil
}
