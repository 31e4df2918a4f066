package store

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

// URL is a parsed store location: "bolt:///abs/path.db" (a bare absolute
// path means the same). It is the one place store URLs are parsed, so a
// "postgres://" scheme can be added here.
type URL struct {
	Scheme string // "bolt"
	Path   string // bolt: the file
}

// ParseURL parses a store URL.
func ParseURL(raw string) (URL, error) {
	if filepath.IsAbs(raw) {
		return URL{Scheme: "bolt", Path: filepath.Clean(raw)}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return URL{}, fault.New(fault.Usage, "store URL %q: %v", raw, err)
	}
	switch {
	case u.Scheme == "bolt" && u.Host == "" && filepath.IsAbs(u.Path) && u.RawQuery == "" && !strings.HasSuffix(u.Path, "/"):
		return URL{Scheme: "bolt", Path: filepath.Clean(u.Path)}, nil
	case u.Scheme == "bolt":
		return URL{}, fault.New(fault.Usage, "store URL %q: want bolt:///absolute/path/to/file.db", raw)
	}
	return URL{}, fault.New(fault.Usage, "store URL %q: unsupported scheme %q (supported: bolt)", raw, u.Scheme)
}

// String is the URL's canonical text.
func (u URL) String() string { return u.Scheme + "://" + u.Path }

// Dir is the directory beside the store where a server keeps its files
// (the --dev certificate, the admin socket).
func (u URL) Dir() string { return filepath.Dir(u.Path) }

// Open opens the existing store u names, waiting up to lockTimeout for
// another holder of an embedded store.
func Open(u URL, lockTimeout time.Duration) (Store, error) {
	switch u.Scheme {
	case "bolt":
		return OpenBolt(u.Path, lockTimeout)
	}
	return nil, fault.New(fault.Usage, "unsupported store scheme %q", u.Scheme)
}

// OpenOrCreate opens the store u names, creating it when nothing is there
// yet: for a location an operator gave (approovd's --store), never one
// from a code or token.
func OpenOrCreate(u URL, lockTimeout time.Duration) (Store, error) {
	if _, err := os.Lstat(u.Path); u.Scheme == "bolt" && errors.Is(err, fs.ErrNotExist) {
		return CreateBolt(u.Path, lockTimeout)
	}
	return Open(u, lockTimeout)
}
