package backend

import "context"

// Transport carries one signed exchange: the JSON of an auth.Request in,
// the JSON of an auth.Response out. The local backend calls the service
// in-process; the remote one will POST it over HTTPS.
type Transport interface {
	Exchange(ctx context.Context, request []byte) ([]byte, error)
}
