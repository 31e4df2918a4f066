package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/approov-cli/approov/internal/fault"
)

// EncodeRequest is how a client puts req on the wire for op: the canonical
// query string for GET and DELETE, a JSON body for POST and PUT.
func EncodeRequest[Req, Resp any](op Op[Req, Resp], req Req) (query string, body []byte, err error) {
	if op.HasBody() {
		body, err = json.Marshal(req)
		return "", body, err
	}
	query, err = EncodeQuery(req)
	return query, nil, err
}

// DecodeRequest is how the service reads op's request into v: strictly
// (unknown fields, trailing data, a body on a GET and a query on a POST
// are refused), within op's body limit.
func DecodeRequest(op Operation, query string, body []byte, v any) error {
	if err := CheckShape(op, query, body); err != nil {
		return err
	}
	if !op.HasBody() {
		return DecodeQuery(query, v)
	}
	return decodeStrict(body, v)
}

// CheckShape refuses a body on a GET or DELETE, a query string on a POST or
// PUT, and a body over op's limit (a 413), before anything is decoded.
func CheckShape(op Operation, query string, body []byte) error {
	switch {
	case !op.HasBody() && len(body) > 0:
		return fault.New(fault.Invalid, "%s %s takes no body: its parameters go in the query string", op.Method, op.Name)
	case op.HasBody() && query != "":
		return fault.New(fault.Invalid, "%s %s takes no query string: its parameters go in the body", op.Method, op.Name)
	case len(body) > op.MaxBody:
		return &StatusError{Status: http.StatusRequestEntityTooLarge,
			Err: fault.New(fault.Invalid, "%s request of %d bytes exceeds the limit of %d", op.Name, len(body), op.MaxBody)}
	}
	return nil
}

// decodeStrict decodes exactly one JSON value with no unknown fields.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fault.New(fault.Invalid, "undecodable request: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fault.New(fault.Invalid, "undecodable request: data after the JSON value")
	}
	return nil
}
