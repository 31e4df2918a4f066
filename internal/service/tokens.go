package service

import (
	"context"
	"strings"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/apitoken"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// tokenOps are the operations that sign and check Approov tokens with the
// account secret, for roles that may not read it.
var tokenOps = []endpoint{
	serve(api.OpTokenExample, (*Service).exampleToken),
	serve(api.OpTokenCheck, (*Service).checkToken),
}

// maxBind bounds the data a token is bound to (an Authorization header, a
// request body digest: small).
const maxBind = 16 << 10

// exampleToken signs an example token for a domain with the account secret
// (or, for type invalid, a random key of the same shape).
func (s *Service) exampleToken(ctx context.Context, c *call, req api.TokenExampleRequest) (api.TokenExample, error) {
	if err := validExample(req); err != nil {
		return api.TokenExample{}, err
	}
	var out api.TokenExample
	err := s.withSecret(ctx, c, func(r *secretRec) (err error) {
		out.Token, err = apitoken.Example(r.Secret, r.KeyID, apitoken.ExampleOptions{
			Type: apitoken.Type(req.Type), Bind: req.Bind, TTL: req.TTL,
			DeviceID: req.DeviceID, IP: req.IP, Now: s.now(),
		})
		return err
	})
	return out, err
}

func validExample(req api.TokenExampleRequest) error {
	d := req.Domain
	if d == "" || len(d) > 253 || strings.IndexFunc(d, func(r rune) bool {
		return !(r == '.' || r == '-' || r == '*' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		return fault.New(fault.Usage, "domain %q is not a DNS name", truncate(d, 60))
	}
	if len(req.Bind) > maxBind {
		return fault.New(fault.Usage, "bound data is %d bytes; at most %d", len(req.Bind), maxBind)
	}
	return nil
}

// checkToken checks a token with the account secret and kid. An invalid
// token is an answer, not an error: the Report says why, claim by claim.
func (s *Service) checkToken(ctx context.Context, c *call, req api.TokenCheckRequest) (apitoken.Report, error) {
	if len(req.Bind) > maxBind {
		return apitoken.Report{}, fault.New(fault.Usage, "bound data is %d bytes; at most %d", len(req.Bind), maxBind)
	}
	var out apitoken.Report
	err := s.withSecret(ctx, c, func(r *secretRec) error {
		out, _ = apitoken.Check(req.Token, r.Secret, apitoken.CheckOptions{Bind: req.Bind, KeyID: r.KeyID, Now: s.now()})
		return nil
	})
	return out, err
}

// withSecret runs fn with the account's secret in a live session; the
// secret is made on first use.
func (s *Service) withSecret(ctx context.Context, c *call, fn func(*secretRec) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		r, err := s.tokenSecret(tx, c.acct.ID)
		if err != nil {
			return err
		}
		return fn(r)
	})
}
