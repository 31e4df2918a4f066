package identity

import (
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/approov-cli/approov/internal/cmdutil"
)

// shells lists the shells `approov role` can write for.
var shells = []string{"bash", "zsh", "sh", "fish", "powershell", "cmd"}

// detectShell guesses the user's shell from $SHELL (PowerShell on Windows
// when unset).
func detectShell(getenv func(string) string) string {
	sh := strings.ToLower(filepath.Base(getenv("SHELL")))
	sh = strings.TrimSuffix(sh, ".exe")
	switch {
	case sh == "fish":
		return "fish"
	case sh == "pwsh" || sh == "powershell":
		return "powershell"
	case sh == "bash" || sh == "zsh" || sh == "sh" || sh == "dash" || sh == "ksh":
		return "sh"
	case runtime.GOOS == "windows":
		return "powershell"
	}
	return "sh"
}

func checkShell(sh string) (string, error) {
	switch sh = strings.ToLower(sh); sh {
	case "bash", "zsh", "sh", "dash", "ksh":
		return "sh", nil
	case "fish", "powershell", "cmd":
		return sh, nil
	case "pwsh":
		return "powershell", nil
	}
	return "", cmdutil.FlagErrorf("unknown shell %q (want one of %s)", sh, strings.Join(shells, ", "))
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_.:@-]+$`)

// exportLine is the statement that sets APPROOV_ROLE in the given shell.
func exportLine(shell, value string) string {
	switch shell {
	case "fish":
		return "set -gx APPROOV_ROLE " + quoteSh(value)
	case "powershell":
		return "$env:APPROOV_ROLE = '" + strings.ReplaceAll(value, "'", "''") + "'"
	case "cmd":
		return "set APPROOV_ROLE=" + value
	}
	return "export APPROOV_ROLE=" + quoteSh(value)
}

// evalHint tells a user who ran `approov role` without eval how to apply it.
func evalHint(shell, args string) string {
	switch shell {
	case "fish":
		return "approov role " + args + " | source"
	case "powershell":
		return "approov role " + args + " | Invoke-Expression"
	case "cmd":
		return "run the printed line"
	}
	return `eval "$(approov role ` + args + `)"`
}

func quoteSh(v string) string {
	if shellSafe.MatchString(v) {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
