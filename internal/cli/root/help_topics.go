package root

import (
	"fmt"
	"strings"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/spf13/cobra"
)

// newHelpTopic makes a command that only carries help text; cobra lists it
// under "Additional help topics" and `approov help <name>` prints it.
func newHelpTopic(name, short, long string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Long:  long,
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		fmt.Fprintln(c.OutOrStdout(), strings.TrimRight(c.Long, "\n"))
	})
	return cmd
}

func environmentHelp() string {
	var b strings.Builder
	b.WriteString("Environment variables approov reads. Variables marked (secret) hold credentials:\n")
	b.WriteString("approov never prints their values.\n\n")
	for _, v := range cmdutil.EnvironmentVariables() {
		secret := ""
		if v.Sensitive {
			secret = " (secret)"
		}
		fmt.Fprintf(&b, "  %s%s\n      %s\n", v.Name, secret, v.Description)
	}
	return b.String()
}

const exitCodesHelp = `approov exits with one of these codes, so that scripts can tell failures apart:

  0    ok
  1    error: anything not listed below
  2    usage: bad flags or arguments, or a confirmation is needed and there is
       no terminal to ask (pass --yes)
  3    conflict: the backend changed since your base version (pin push); pull
       or rebase, then retry
  4    authentication needed: no session, an expired session, or no terminal
       to prompt for a password (use --password-stdin or
       APPROOV_MANAGEMENT_TOKEN)
  5    permission denied: the active role may not run this command
  6    invalid input: a file, pin, certificate or app measurement failed
       validation
  7    network or TLS failure: unreachable endpoint, unverified chain, or a
       pin mismatch found by a live check
  130  cancelled (Ctrl-C)

Errors are printed on stderr as "error: <reason>", often followed by
"try: <command>" with the next step.
`
