package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"
)

// allFields is the value --json takes when given without "=fields".
const allFields = "all"

// fieldsValue is the pflag.Value behind --json; its type name shows in help
// as "--json fields[=all]".
type fieldsValue struct{ s *string }

func (v fieldsValue) String() string     { return *v.s }
func (v fieldsValue) Set(s string) error { *v.s = s; return nil }
func (v fieldsValue) Type() string       { return "fields" }

// JSONFlags implements --json[=field,...] and --jq EXPR for one command.
type JSONFlags struct {
	allowed []string
	fields  string
	jq      string
}

// AddJSONFlags adds --json and --jq to cmd. fields lists the top-level keys
// that --json=... may select; the output always has exactly those keys at most.
func AddJSONFlags(cmd *cobra.Command, fields []string) *JSONFlags {
	j := &JSONFlags{allowed: slices.Sorted(slices.Values(fields))}
	f := cmd.Flags()
	f.Var(fieldsValue{&j.fields}, "json", "print JSON; --json=a,b keeps only fields a and b (fields: "+strings.Join(j.allowed, ", ")+")")
	f.Lookup("json").NoOptDefVal = allFields
	f.StringVar(&j.jq, "jq", "", "filter JSON output with a jq `expression` (implies --json)")
	_ = cmd.RegisterFlagCompletionFunc("json", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return j.allowed, cobra.ShellCompDirectiveNoSpace
	})
	return j
}

// Enabled reports whether the user asked for JSON output.
func (j *JSONFlags) Enabled() bool { return j.fields != "" || j.jq != "" }

// Fields returns the allowed field names, sorted.
func (j *JSONFlags) Fields() []string { return j.allowed }

// Validate checks the selected fields and the jq expression; call it early so
// that a typo fails before any work is done.
func (j *JSONFlags) Validate() error {
	if _, err := j.selected(); err != nil {
		return err
	}
	if j.jq != "" {
		if _, err := gojq.Parse(j.jq); err != nil {
			return FlagErrorf("invalid --jq expression: %v", err)
		}
	}
	return nil
}

func (j *JSONFlags) selected() ([]string, error) {
	if j.fields == "" || j.fields == allFields {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(j.fields, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(j.allowed, f) {
			return nil, FlagErrorf("unknown JSON field %q; available fields: %s", f, strings.Join(j.allowed, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

// Write prints data as JSON: a struct (an object) or a slice (an array of
// objects), reduced to the selected fields and filtered by --jq.
func (j *JSONFlags) Write(ios *iostreams.IOStreams, data any) error {
	value, err := toGeneric(data)
	if err != nil {
		return err
	}
	fields, err := j.selected()
	if err != nil {
		return err
	}
	if fields != nil {
		value = keepFields(value, fields)
	}
	if j.jq != "" {
		return runJQ(ios.Out, j.jq, value, ios.IsStdoutTTY())
	}
	return writeIndented(ios.Out, value)
}

// toGeneric round-trips data through encoding/json so that json tags decide
// the names and numbers keep their exact form.
func toGeneric(data any) (any, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	return v, nil
}

func keepFields(v any, fields []string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(fields))
		for _, f := range fields {
			if val, ok := t[f]; ok {
				out[f] = val
			}
		}
		return out
	case []any:
		for i := range t {
			t[i] = keepFields(t[i], fields)
		}
		return t
	}
	return v
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// runJQ prints each result of expr; strings print raw, like `jq -r`, for
// scripts, but escaped on a terminal (they may hold names from outside).
func runJQ(w io.Writer, expr string, v any, tty bool) error {
	q, err := gojq.Parse(expr)
	if err != nil {
		return FlagErrorf("invalid --jq expression: %v", err)
	}
	iter := q.Run(jqCompatible(v))
	for {
		res, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := res.(error); isErr {
			return fmt.Errorf("--jq: %w", err)
		}
		if err := writeJQResult(w, res, tty); err != nil {
			return err
		}
	}
}

func writeJQResult(w io.Writer, res any, tty bool) error {
	if s, ok := res.(string); ok {
		if tty {
			s = safetext.Escape(s)
		}
		_, err := fmt.Fprintln(w, s)
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

// jqCompatible converts json.Number to the types gojq understands.
func jqCompatible(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		for k, val := range t {
			t[k] = jqCompatible(val)
		}
	case []any:
		for i := range t {
			t[i] = jqCompatible(t[i])
		}
	}
	return v
}
