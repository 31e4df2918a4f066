package service

import (
	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// Op names an operation or command by its command path, e.g. "users.add"
// for `approov users add`; the CLI's role-matrix test asks Authorize with it.
type Op string

// Roles returns the roles allowed to run op; needsRole is false when op
// runs without any role, known false for a name in neither the operation
// table nor the command table of internal/api.
func Roles(op Op) (roles []role.Role, needsRole, known bool) {
	p, known := api.PolicyOf(string(op))
	return p.List(), p != api.NoRole, known
}

// Authorize is the service's decision, on the policy data of internal/api:
// nil when r may run op, a fault.Permission error otherwise. Unknown
// operations are refused. Rules finer than the role ("delegate: own only")
// are the handlers' business.
func Authorize(op Op, r role.Role) error {
	p, known := api.PolicyOf(string(op))
	if !known {
		return fault.New(fault.Permission, "unknown operation %q", op)
	}
	if p == api.NoRole || p.Allows(r) {
		return nil
	}
	return fault.New(fault.Permission, "role %s may not run %s", r, op)
}

// authorizeSession is Authorize for a session-signed call, failing closed:
// an operation that needs a session but admits no role is refused.
func authorizeSession(op api.Operation, r role.Role) error {
	if op.Roles == api.NoRole {
		return fault.New(fault.Permission, "operation %s admits no role", op.Name)
	}
	return Authorize(Op(op.Name), r)
}

// Ops lists every operation and command in the policy tables.
func Ops() []Op {
	names := api.Names()
	out := make([]Op, len(names))
	for i, n := range names {
		out[i] = Op(n)
	}
	return out
}
