// Package cmdutil holds what every command shares: the Factory of
// dependencies, role annotations, flag errors, --json output and the table of
// environment variables.
package cmdutil

import (
	"time"

	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
)

// Factory gives commands their dependencies. Fields that cost something to
// build are functions, called only by the commands that need them; the
// defaults are wired in internal/app/factory.go.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Now is the clock; tests pin it.
	Now func() time.Time
	// ActiveRole resolves the role the user is acting in (APPROOV_ROLE or the
	// session). It returns a fault.Auth error when no role is active.
	ActiveRole func() (role.Role, error)
}
