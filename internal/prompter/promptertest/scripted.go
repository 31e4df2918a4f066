// Package promptertest provides a scripted Prompter for command tests.
package promptertest

import (
	"fmt"

	"github.com/approov-cli/approov/internal/prompter"
)

// Scripted answers prompts from fixed lists and records what was asked.
// Running out of answers is an error, so a test notices an extra prompt.
type Scripted struct {
	Passwords []string // answers to Password and NewPassword, in order
	Confirms  []bool   // answers to Confirm, in order
	Asked     []string // every prompt shown, in order
}

var _ prompter.Prompter = (*Scripted)(nil)

// Password implements prompter.Prompter.
func (s *Scripted) Password(prompt string) ([]byte, error) { return s.next(prompt) }

// NewPassword implements prompter.Prompter (applying the real rules).
func (s *Scripted) NewPassword(prompt string) ([]byte, error) {
	pw, err := s.next(prompt)
	if err != nil {
		return nil, err
	}
	return pw, prompter.CheckNewPassword(pw)
}

// Confirm implements prompter.Prompter.
func (s *Scripted) Confirm(prompt string, _ bool) (bool, error) {
	s.Asked = append(s.Asked, prompt)
	if len(s.Confirms) == 0 {
		return false, fmt.Errorf("promptertest: unexpected confirmation %q", prompt)
	}
	c := s.Confirms[0]
	s.Confirms = s.Confirms[1:]
	return c, nil
}

func (s *Scripted) next(prompt string) ([]byte, error) {
	s.Asked = append(s.Asked, prompt)
	if len(s.Passwords) == 0 {
		return nil, fmt.Errorf("promptertest: unexpected password prompt %q", prompt)
	}
	pw := s.Passwords[0]
	s.Passwords = s.Passwords[1:]
	return []byte(pw), nil
}
