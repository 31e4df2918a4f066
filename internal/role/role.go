// Package role names the four account roles. Which role may do what is decided
// by internal/service; commands declare the roles they expect so that the CLI
// can fail early with a friendly message.
package role

import (
	"fmt"
	"strings"
)

// Role is an account role.
type Role string

// The roles of DESIGN §3.
const (
	Admin      Role = "admin"
	Dev        Role = "dev"
	Delegate   Role = "delegate"
	Automation Role = "automation"
)

// All lists every role in a stable order.
var All = []Role{Admin, Dev, Delegate, Automation}

// Parse accepts a role name, case-insensitively.
func Parse(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range All {
		if r == known {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want one of admin, dev, delegate, automation)", s)
}

// ParseList parses a comma-separated list such as "admin,dev", without duplicates.
func ParseList(s string) ([]Role, error) {
	var out []Role
	seen := map[Role]bool{}
	for _, part := range strings.Split(s, ",") {
		r, err := Parse(part)
		if err != nil {
			return nil, err
		}
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out, nil
}
