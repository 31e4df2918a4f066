package iostreams

// ColorScheme paints strings with ANSI escapes, or leaves them alone when
// colour is disabled (piped output, NO_COLOR, CLICOLOR=0).
type ColorScheme struct{ enabled bool }

func (c *ColorScheme) paint(code, s string) string {
	if !c.enabled || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Bold renders s in bold.
func (c *ColorScheme) Bold(s string) string { return c.paint("1", s) }

// Red renders s in red (failures).
func (c *ColorScheme) Red(s string) string { return c.paint("31", s) }

// Green renders s in green (success).
func (c *ColorScheme) Green(s string) string { return c.paint("32", s) }

// Yellow renders s in yellow (warnings).
func (c *ColorScheme) Yellow(s string) string { return c.paint("33", s) }

// Cyan renders s in cyan (names and identifiers).
func (c *ColorScheme) Cyan(s string) string { return c.paint("36", s) }

// Gray renders s dimmed (secondary detail).
func (c *ColorScheme) Gray(s string) string { return c.paint("90", s) }

// SuccessIcon is a green check mark, or "ok" without colour.
func (c *ColorScheme) SuccessIcon() string { return c.icon(c.Green, "✓", "ok") }

// WarningIcon is a yellow "!", or "warning" without colour.
func (c *ColorScheme) WarningIcon() string { return c.icon(c.Yellow, "!", "warning") }

// FailureIcon is a red cross, or "FAIL" without colour.
func (c *ColorScheme) FailureIcon() string { return c.icon(c.Red, "✗", "FAIL") }

func (c *ColorScheme) icon(paint func(string) string, glyph, plain string) string {
	if !c.enabled {
		return plain
	}
	return paint(glyph)
}
