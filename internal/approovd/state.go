package approovd

import (
	"path/filepath"

	"github.com/approov-cli/approov/internal/store/storeurl"
)

// DefaultStateDir is the state directory of a server on PostgreSQL (a bolt
// store's is the file's directory).
const DefaultStateDir = "/var/lib/approovd"

const (
	storeFlagHelp    = "store URL: bolt:///path/to/file.db or postgres://user@host/db?sslmode=verify-full"
	stateDirFlagHelp = "directory of the --dev certificate and the admin socket (default: the bolt file's directory, or " + DefaultStateDir + ")"
)

// stateDir is where a server keeps its files (the --dev certificate, a
// bolt store's admin socket): the flag, else beside a bolt file, else
// DefaultStateDir. Every instance on one PostgreSQL store may share it:
// they then serve the same --dev certificate.
func stateDir(flag string, u storeurl.URL) string {
	switch {
	case flag != "":
		return filepath.Clean(flag)
	case u.Scheme == "bolt":
		return filepath.Dir(u.Path)
	}
	return DefaultStateDir
}
