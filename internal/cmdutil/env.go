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
		{Name: "CLICOLOR_FORCE", Description: "a value other than 0 forces colour even when stdout is not a terminal"},
		{Name: "TERM", Description: "\"dumb\" disables colour"},
		{Name: "APPROOV_NO_PROMPT", Description: "any value forbids interactive prompts; commands that would prompt fail with exit 2 or 4 and a hint"},
	}
}
