package service

import (
	"context"
	"encoding/json"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
)

// endpoint is an operation with the code that serves it: decode the request
// strictly, run the typed handler, encode its typed answer.
type endpoint struct {
	op    api.Operation
	serve func(s *Service, ctx context.Context, c *call) ([]byte, error)
}

// handler is the shape of every operation's implementation.
type handler[Req, Resp any] func(s *Service, ctx context.Context, c *call, req Req) (Resp, error)

// serve binds an operation to its handler; the compiler checks that the
// handler takes the operation's request type and returns its answer type.
func serve[Req, Resp any](op api.Op[Req, Resp], h handler[Req, Resp]) endpoint {
	return endpoint{op: op.Operation, serve: func(s *Service, ctx context.Context, c *call) ([]byte, error) {
		var req Req
		if err := api.DecodeRequest(op.Operation, c.req.Query, c.req.Body, &req); err != nil {
			return nil, undecodable{err}
		}
		out, err := h(s, ctx, c, req)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(out)
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err)
		}
		return body, nil
	}}
}

// endpoints lists the operations each domain file serves (its ops table).
var endpoints = index(accountOps, codeOps, loginOps, sessionOps, userOps, auditOps,
	registrationOps, appSignCertOps, secretOps, tokenOps, pinOps, apiOps, sdkOps,
	monitorOps,                                    // continuous API monitoring (issue 13)
	attestOps, policyOps, deviceOps, secStringOps, // the token service (issue 14)
	metricsOps, // attestation metrics
)

func index(tables ...[]endpoint) map[string]endpoint {
	out := map[string]endpoint{}
	for _, t := range tables {
		for _, e := range t {
			if _, dup := out[e.op.Name]; dup {
				panic("service: operation " + e.op.Name + " served twice")
			}
			out[e.op.Name] = e
		}
	}
	return out
}
