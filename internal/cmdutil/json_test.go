package cmdutil

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/spf13/cobra"
)

type item struct {
	Name    string   `json:"name"`
	Version int      `json:"version"`
	Pins    []string `json:"pins"`
	Secret  string   `json:"-"`
}

func writeJSON(t *testing.T, args []string, data any) (string, error) {
	t.Helper()
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	j := AddJSONFlags(cmd, []string{"name", "version", "pins"})
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := iostreams.Test()
	if err := j.Validate(); err != nil {
		return "", err
	}
	err := j.Write(ios, data)
	return out.String(), err
}

func TestJSONFieldSelection(t *testing.T) {
	one := item{Name: "api.example.com", Version: 3, Pins: []string{"a", "b"}, Secret: "hunter2"}
	tests := []struct {
		name string
		args []string
		data any
		want string
	}{
		{"all fields", []string{"--json"}, one, "{\n  \"name\": \"api.example.com\",\n  \"pins\": [\n    \"a\",\n    \"b\"\n  ],\n  \"version\": 3\n}\n"},
		{"one field", []string{"--json=version"}, one, "{\n  \"version\": 3\n}\n"},
		{"two fields on a list", []string{"--json=name,version"}, []item{one, {Name: "b"}},
			"[\n  {\n    \"name\": \"api.example.com\",\n    \"version\": 3\n  },\n  {\n    \"name\": \"b\",\n    \"version\": 0\n  }\n]\n"},
		{"jq string is raw", []string{"--jq", ".name"}, one, "api.example.com\n"},
		{"jq with fields", []string{"--json=pins", "--jq", ".pins[]"}, one, "a\nb\n"},
		{"jq number", []string{"--jq", ".version + 1"}, one, "4\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := writeJSON(t, tt.args, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
			if strings.Contains(got, "hunter2") {
				t.Error("secret leaked into JSON")
			}
		})
	}
}

func TestJSONRejectsUnknownFieldsAndBadJQ(t *testing.T) {
	if _, err := writeJSON(t, []string{"--json=name,nope"}, item{}); err == nil || !strings.Contains(err.Error(), `unknown JSON field "nope"`) {
		t.Errorf("err = %v", err)
	}
	if _, err := writeJSON(t, []string{"--jq", ".[ broken"}, item{}); err == nil || !strings.Contains(err.Error(), "invalid --jq") {
		t.Errorf("err = %v", err)
	}
}

func TestJSONDisabledByDefault(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	j := AddJSONFlags(cmd, []string{"a"})
	if j.Enabled() {
		t.Error("enabled without flags")
	}
	_ = cmd.ParseFlags([]string{"--jq", "."})
	if !j.Enabled() {
		t.Error("--jq should imply --json")
	}
}

// --jq prints strings raw for scripts, escaped on a terminal.
func TestJQStringsEscapedOnATerminal(t *testing.T) {
	for _, tty := range []bool{false, true} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		cmd := &cobra.Command{Use: "x"}
		j := AddJSONFlags(cmd, []string{"user"})
		if err := cmd.ParseFlags([]string{"--jq", ".user"}); err != nil {
			t.Fatal(err)
		}
		if err := j.Write(ios, map[string]string{"user": "e\x1b[2Kve"}); err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{false: "e\x1b[2Kve\n", true: "e\\x1b[2Kve\n"}[tty]
		if out.String() != want {
			t.Errorf("tty %v: %q, want %q", tty, out, want)
		}
	}
}
