package backendtest

import (
	"context"
	"encoding/json"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
)

// Fake is a Backend for command tests: it answers backend.Call with the
// typed functions given to On, decoding requests as the service does. Any
// other call (an operation without a function, or a named method of the
// embedded nil Backend) fails the test by error or panic.
type Fake struct {
	backend.Backend
	answers map[string]func(backend.Caller, string, []byte) ([]byte, error)
}

// On makes f answer op with fn.
func On[Req, Resp any](f *Fake, op api.Op[Req, Resp], fn func(backend.Caller, Req) (Resp, error)) {
	if f.answers == nil {
		f.answers = map[string]func(backend.Caller, string, []byte) ([]byte, error){}
	}
	f.answers[op.Name] = func(who backend.Caller, query string, body []byte) ([]byte, error) {
		var req Req
		if err := api.DecodeRequest(op.Operation, query, body, &req); err != nil {
			return nil, err
		}
		out, err := fn(who, req)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	}
}

// Send implements backend.Backend.
func (f *Fake) Send(_ context.Context, op api.Operation, who backend.Caller, query string, body []byte) ([]byte, error) {
	answer, ok := f.answers[op.Name]
	if !ok {
		return nil, fault.New(fault.Internal, "fake backend: no answer for %s", op.Name)
	}
	return answer(who, query, body)
}
