package app

import (
	"os"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
)

// newFactory wires the default dependencies. Each entry notes what it depends on.
func newFactory(ios *iostreams.IOStreams) *cmdutil.Factory {
	f := &cmdutil.Factory{
		IOStreams: ios,      // depends on: the process's streams and environment
		Now:       time.Now, // depends on: nothing
	}
	f.ActiveRole = roleFromEnv // depends on: APPROOV_ROLE
	return f
}

// roleFromEnv reads APPROOV_ROLE ("role" or "role:account").
func roleFromEnv() (role.Role, error) {
	v := os.Getenv("APPROOV_ROLE")
	if v == "" {
		return "", fault.WithHint(fault.New(fault.Auth, "no active role"), "eval \"$(approov role admin)\"")
	}
	name, _, _ := strings.Cut(v, ":")
	r, err := role.Parse(name)
	if err != nil {
		return "", fault.New(fault.Usage, "APPROOV_ROLE: %v", err)
	}
	return r, nil
}
