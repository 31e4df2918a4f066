package cmdutil

import (
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
)

// Confirm asks before a destructive change, or requires --yes (yes) without
// a terminal: the non-interactive contract's exit 2 with a hint. An answer
// of no is a cancellation (exit 130).
func Confirm(ios *iostreams.IOStreams, p prompter.Prompter, yes bool, question string) error {
	if yes {
		return nil
	}
	if !ios.CanPrompt() {
		return prompter.NoConfirmError()
	}
	ok, err := p.Confirm(question, false)
	if err != nil {
		return err
	}
	if !ok {
		return fault.New(fault.Cancelled, "cancelled")
	}
	return nil
}
