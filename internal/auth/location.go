package auth

import (
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
	u, err := url.Parse(l)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fault.New(fault.Invalid, "backend location %q is neither local:<path> nor an https:// URL", truncate(l, 80))
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
