package service

import (
	"slices"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// Op names an operation by its command path, e.g. "users.add" for
// `approov users add`; the CLI's role-matrix test asks Authorize with it.
type Op string

var (
	anyRole   = role.All
	adminOnly = []role.Role{role.Admin}
	adminDev  = []role.Role{role.Admin, role.Dev}
	builders  = []role.Role{role.Admin, role.Dev, role.Delegate, role.Automation}
)

// policy is DESIGN §2's role column: which roles may run each operation.
// A nil entry means no role is needed (no account at all).
var policy = map[Op][]role.Role{
	"account.create": nil, "init": nil, "app.inspect": nil, "pin.extract": nil,
	"pin.check": nil, "pin.export": nil, "completion": nil, "version": nil,

	"role": anyRole, "whoami": anyRole, "logout": anyRole, "password": anyRole, // automation: rotates its token

	"users.add": adminOnly, "users.list": adminOnly, "users.revoke": adminOnly,
	"users.remove": adminOnly, "users.recover": adminOnly, "audit.list": adminOnly,
	"api.add": adminOnly, "api.remove": adminOnly, "pin.push": adminOnly,
	"secret.get": adminOnly, "secret.rotate": adminOnly,

	"registration.add": builders, "registration.list": builders, "registration.remove": builders,

	"appsigncert.add": adminDev, "appsigncert.list": adminDev, "appsigncert.remove": adminDev,
	"api.list": adminDev, "api.check": adminDev,
	"pin.pull": adminDev, "pin.status": adminDev, "pin.add": adminDev, "pin.remove": adminDev,
	"pin.diff": adminDev, "pin.rebase": adminDev, "pin.rotate": adminDev, "pin.retire": adminDev,
	"token.example": adminDev, "token.check": adminDev, "sdk.config": adminDev, "sdk.verify": adminDev,
}

// Roles returns the roles allowed to run op; needsRole is false when op
// runs without any account, known false for an operation not in the table.
func Roles(op Op) (roles []role.Role, needsRole, known bool) {
	roles, known = policy[op]
	return slices.Clone(roles), roles != nil, known
}

// Authorize is the service's decision: nil when r may run op, a
// fault.Permission error otherwise. Unknown operations are refused.
func Authorize(op Op, r role.Role) error {
	roles, known := policy[op]
	if !known {
		return fault.New(fault.Permission, "unknown operation %q", op)
	}
	if roles == nil || slices.Contains(roles, r) {
		return nil
	}
	return fault.New(fault.Permission, "role %s may not run %s", r, op)
}

// Ops lists every operation in the table.
func Ops() []Op {
	out := make([]Op, 0, len(policy))
	for op := range policy {
		out = append(out, op)
	}
	slices.Sort(out)
	return out
}
