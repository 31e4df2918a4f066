// Package cmdutil holds what every command shares: the Factory of
// dependencies, role annotations, flag errors, --json output and the table of
// environment variables.
package cmdutil

import (
	"time"

	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// Factory gives commands their dependencies. Fields that cost something to
// build are functions, called only by the commands that need them; the
// defaults are wired in internal/app/factory.go.
//
// The context is not among them: a command's RunE passes cmd.Context()
// (cancelled on Ctrl-C) as the first argument of its run function, and
// options never hold one. Deadlines belong to the calls that can hang: the
// session store bounds keyring and lock waits, pins its dials and
// handshakes; a command adds only those its flags ask for.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Now is the clock; tests pin it.
	Now func() time.Time
	// ActiveRole resolves the role the user is acting in (APPROOV_ROLE or the
	// session). It returns a fault.Auth error when no role is active.
	ActiveRole func() (role.Role, error)

	// Sessions opens ~/.approov (APPROOV_HOME): accounts, roles, sessions.
	Sessions func() (*session.Store, error)
	// Auth resolves the active role and gives live, signed backend sessions,
	// logging in when needed (one prompt per role per hour).
	Auth func() *login.Manager
	// Prompter asks for passwords and confirmations on the terminal.
	Prompter func() prompter.Prompter
	// Live is how an embedded service reaches API domains for its own live
	// checks: a command that reaches endpoints sets it from its --ca-file
	// and --connect-to flags before it connects. A remote service has its own.
	Live *pins.CheckOptions
	// CAFile is the global --ca-file: approovd's certificate (remote
	// backend) is verified against it instead of the system roots. Empty:
	// APPROOV_CA_FILE, else the system roots (or the pin a --dev code carries).
	CAFile string
}
