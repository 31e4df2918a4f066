package auth

import "regexp"

// accountID is the grammar of account ids: lower-case letters, digits and
// dashes, 1–40 characters, not starting with a dash.
var accountID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// ValidAccountID reports whether s is a well-formed account id. Codes and
// tokens naming anything else are refused: an id ends up in shell lines
// (approov role), file names and terminal output.
func ValidAccountID(s string) bool { return accountID.MatchString(s) }
