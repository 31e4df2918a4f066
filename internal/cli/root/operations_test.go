package root

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
)

// Operations that are steps of other commands, not commands of their own,
// and those whose command is still to come (DESIGN §2).
var (
	protocolSteps = []string{"info", "code.inspect", "login.start", "login.finish", "attest"}
	commandToCome = []string{}
)

// TestEveryOperationHasACommand: an operation named after a command path
// needs that command in the tree (docs/project-layout.md, "How to add a
// service operation"); the role-matrix test then checks its roles.
func TestEveryOperationHasACommand(t *testing.T) {
	paths := map[string]bool{}
	walk(NewCmdRoot(testFactory("")), func(c *cobra.Command) {
		if c.Runnable() && c.HasParent() {
			paths[strings.ReplaceAll(strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" "), " ", ".")] = true
		}
	})
	for _, op := range api.Operations() {
		exempt := slices.Contains(protocolSteps, op.Name) || slices.Contains(commandToCome, op.Name)
		switch cmd := "approov " + strings.ReplaceAll(op.Name, ".", " "); {
		case !paths[op.Name] && !exempt:
			t.Errorf("operation %s has no command %q", op.Name, cmd)
		case paths[op.Name] && exempt:
			t.Errorf("operation %s has its command %q now: drop it from the exempt lists", op.Name, cmd)
		}
	}
}
