package backend

import (
	"context"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
)

// Transport carries one signed exchange. It receives the operation, so a
// remote transport can route it (and retry it only when op.Idempotent), and
// the request as the HTTP request's parts; it returns the answer as the
// HTTP answer's parts. The local transport hands the request to the service
// in-process; the remote one serialises it as docs/api.md describes. The
// Client verifies every answer; a Transport need not, but a remote one
// bounds what it reads to api.MaxMessage.
type Transport interface {
	Exchange(ctx context.Context, op api.Operation, req *auth.Request) (*auth.Response, error)
}
