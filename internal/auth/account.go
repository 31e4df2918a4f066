package auth

// ValidAccountID reports whether s is a well-formed account id: lower-case
// letters, digits and dashes, 1–40 characters, not starting with a dash.
// Codes and tokens naming anything else are refused: an id ends up in shell
// lines (approov role), file names and terminal output. (A loop rather than
// a regexp: `{0,39}` compiles into 39 copies at every process start.)
func ValidAccountID(s string) bool {
	if len(s) == 0 || len(s) > 40 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
