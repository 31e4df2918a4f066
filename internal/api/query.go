package api

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
)

// The query string of a GET or DELETE carries the request's top-level JSON
// fields, one parameter each: strings (and times, RFC 3339) as their text,
// numbers and booleans as their JSON literal. Keys are sorted and escaped as
// url.Values.Encode does; that form is canonical and the only one accepted,
// so each request has one signed representation.

// EncodeQuery encodes v, a flat struct, as a canonical query string.
func EncodeQuery(v any) (string, error) {
	kinds, err := queryFields(reflect.TypeOf(v))
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return "", err
	}
	q := url.Values{}
	for name, val := range fields {
		text := string(val)
		if kinds[name] {
			if err := json.Unmarshal(val, &text); err != nil {
				return "", err
			}
		}
		q.Set(name, text)
	}
	return q.Encode(), nil
}

// DecodeQuery decodes a canonical query string into v, a pointer to a flat
// struct: unknown or repeated parameters and non-canonical forms are refused.
func DecodeQuery(raw string, v any) error {
	if len(raw) > MaxURL {
		return fault.New(fault.Invalid, "query string longer than %d bytes", MaxURL)
	}
	kinds, err := queryFields(reflect.TypeOf(v).Elem())
	if err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	q, err := url.ParseQuery(raw)
	if err != nil || q.Encode() != raw {
		return fault.New(fault.Invalid, "query string is not in canonical form (sorted keys, standard escaping)")
	}
	obj, err := queryObject(q, kinds)
	if err != nil {
		return err
	}
	return decodeStrict(obj, v)
}

// queryObject rebuilds the JSON object a query string stands for.
func queryObject(q url.Values, kinds map[string]bool) ([]byte, error) {
	fields := make(map[string]json.RawMessage, len(q))
	for name, vals := range q {
		isText, known := kinds[name]
		switch {
		case !known:
			return nil, fault.New(fault.Invalid, "unknown query parameter %q", clip(name))
		case len(vals) != 1:
			return nil, fault.New(fault.Invalid, "query parameter %q given %d times", name, len(vals))
		case isText:
			fields[name], _ = json.Marshal(vals[0])
		case !json.Valid([]byte(vals[0])) || strings.ContainsAny(vals[0], "{[\"") || vals[0] == "":
			return nil, fault.New(fault.Invalid, "query parameter %q: want a number or boolean", name)
		default:
			fields[name] = json.RawMessage(vals[0])
		}
	}
	return json.Marshal(fields)
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// queryFields maps the JSON names of a flat struct's fields to whether
// their JSON form is a string. Nested values cannot go in a query.
func queryFields(t reflect.Type) (map[string]bool, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("query parameters must be a struct, not %s", t)
	}
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		isText, ok := scalar(f.Type)
		if !ok {
			return nil, fmt.Errorf("field %s of %s (%s) cannot go in a query string", f.Name, t, f.Type)
		}
		out[name] = isText
	}
	return out, nil
}

// scalar says whether t encodes as a JSON string (isText) or as a number
// or boolean; ok is false for anything else.
func scalar(t reflect.Type) (isText, ok bool) {
	if t.Implements(textMarshaler) {
		return true, true
	}
	switch t.Kind() {
	case reflect.String:
		return true, true
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return false, true
	}
	return false, false
}
