package root

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/cmdutil"
)

// refuseUnknownSubcommands makes every command group fail with a usage
// error on an unknown subcommand (cobra does so for the root alone, and
// `approov pin pus` printed the group's help and exited 0, so a typo in a
// script passed silently). A group given no argument shows its help.
func refuseUnknownSubcommands(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		refuseUnknownSubcommands(c)
	}
	if !cmd.HasSubCommands() || cmd.Runnable() {
		return
	}
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		return unknownCommand(c, args[0])
	}
}

// unknownCommand names the typo (never a value that could be a secret) and
// the nearest subcommands, on one line: messages are printed escaped.
func unknownCommand(c *cobra.Command, typed string) error {
	name := fmt.Sprintf("%q", typed)
	if shape := auth.Shape(typed); shape != "" {
		name = "(an argument that looks like " + shape + ")"
	}
	msg := fmt.Sprintf("unknown command %s for %q", name, c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2
	}
	if s := c.SuggestionsFor(typed); len(s) > 0 {
		msg += " (did you mean " + strings.Join(s, " or ") + "?)"
	}
	return cmdutil.FlagErrorf("%s", msg)
}
