// Package completion implements `approov completion <shell>`.
package completion

import (
	"context"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/spf13/cobra"
)

// Shells lists the shells a completion script can be generated for.
func Shells() []string { return []string{"bash", "zsh", "fish", "powershell"} }

// Options holds what `approov completion` needs.
type Options struct {
	IO    *iostreams.IOStreams
	Shell string
	Root  *cobra.Command
}

// NewCmdCompletion builds `approov completion`; runF replaces the run function in tests.
func NewCmdCompletion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "completion <bash|zsh|fish|powershell>",
		Short: "Print a shell completion script",
		Long: `Print a completion script for your shell. Packages install these for you; to
install one by hand:

bash (needs the bash-completion package):
    approov completion bash > ~/.local/share/bash-completion/completions/approov
  or for the current shell only:
    source <(approov completion bash)

zsh (the directory must be in $fpath, before compinit runs in ~/.zshrc):
    approov completion zsh > "${fpath[1]}/_approov"

fish:
    approov completion fish > ~/.config/fish/completions/approov.fish

PowerShell (add to your profile to load it in every session):
    approov completion powershell | Out-String | Invoke-Expression

Start a new shell afterwards.`,
		Example: `  $ approov completion bash > ~/.local/share/bash-completion/completions/approov
  $ approov completion zsh > "${fpath[1]}/_approov"`,
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: Shells(),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			opts.Shell = args[0]
			opts.Root = c.Root()
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

func run(_ context.Context, opts *Options) error {
	out := opts.IO.Out
	switch opts.Shell {
	case "bash":
		return opts.Root.GenBashCompletionV2(out, true)
	case "zsh":
		return opts.Root.GenZshCompletion(out)
	case "fish":
		return opts.Root.GenFishCompletion(out, true)
	case "powershell":
		return opts.Root.GenPowerShellCompletionWithDesc(out)
	}
	return cmdutil.FlagErrorf("unsupported shell %q (want bash, zsh, fish or powershell)", opts.Shell)
}
