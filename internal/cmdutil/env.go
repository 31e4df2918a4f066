package cmdutil

// EnvVar documents one environment variable the tool reads.
type EnvVar struct {
	Name        string
	Description string
	// Sensitive variables hold secrets: never print their values.
	Sensitive bool
}

// EnvironmentVariables lists every variable approov reads; `approov help
// environment` is generated from it. Add a row when you read a new one.
func EnvironmentVariables() []EnvVar {
	return []EnvVar{
		{Name: "NO_COLOR", Description: "any value disables colour (https://no-color.org)"},
		{Name: "CLICOLOR", Description: "0 disables colour"},
		{Name: "CLICOLOR_FORCE", Description: "a value other than 0 forces colour even when stdout or stderr is not a terminal"},
		{Name: "TERM", Description: "\"dumb\" disables colour"},
		{Name: "HOME", Description: "holds ~/.approov unless APPROOV_HOME is set"},
		{Name: "APPROOV_HOME", Description: "directory of approov's state: accounts, roles, sessions, local backends (default ~/.approov)"},
		{Name: "APPROOV_ROLE", Description: "the active role, \"role\" or \"role:account\"; set it with eval \"$(approov role <role>)\""},
		{Name: "APPROOV_MANAGEMENT_TOKEN", Description: "automation role: a management token (aom_…) or the path of a file holding one; it wins over stored sessions and never prompts", Sensitive: true},
		{Name: "APPROOV_STORAGE", Description: "where session keys go: auto (OS keyring, else a 0600 file, with a warning), keyring (fail if none) or file"},
		{Name: "APPROOV_CA_FILE", Description: "PEM CA certificates that approovd's TLS certificate must chain to, instead of the system roots; the global flag --ca-file wins over it (a --dev server's pin comes in its codes). Live checks of API domains do not use it: give them --ca-file"},
		{Name: "DBUS_SESSION_BUS_ADDRESS", Description: "on Linux, empty means no OS keyring: approov does not try it (no stray dbus-daemon)"},
		{Name: "SHELL", Description: "the shell `approov role` writes for (override with --shell)"},
		{Name: "APPROOV_NO_PROMPT", Description: "any value forbids interactive prompts; commands that would prompt fail with exit 2 or 4 and a hint"},
	}
}
