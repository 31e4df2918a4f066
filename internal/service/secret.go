package service

import (
	"context"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/apitoken"
	"github.com/approov-cli/approov/internal/store"
)

// secretSize is the length of a new token secret: 256 bits, HS256's own
// strength (apitoken accepts 16 to 1024 bytes).
const secretSize = 32

// secretRec is an account's HS256 token secret, keyed by account id. It is
// made the first time a transaction needs it and leaves the service only in
// the answer of secret.get: never in an audit event, a log or an error.
type secretRec struct {
	Secret    []byte    `json:"secret"`
	KeyID     string    `json:"kid,omitempty"`
	Created   time.Time `json:"created"`
	RotatedAt time.Time `json:"rotated_at,omitzero"`
}

func (r *secretRec) info() api.SecretInfo {
	return api.SecretInfo{KeyID: r.KeyID, RotatedAt: r.RotatedAt}
}

// tokenSecret returns the account's secret, creating it inside tx when the
// account has none yet (tx must be an update). Re-run safe: the record is
// read or made anew on every run of the transaction.
func (s *Service) tokenSecret(tx store.Tx, account string) (*secretRec, error) {
	var r secretRec
	ok, err := getJSON(tx, store.Secrets, account, &r)
	if err != nil || ok {
		return &r, err
	}
	r = secretRec{Secret: randBytes(secretSize), Created: s.now()}
	return &r, putJSON(tx, store.Secrets, account, &r)
}

// secretOps are the operations on the account's token secret.
var secretOps = []endpoint{
	serve(api.OpSecretGet, (*Service).getSecret),
	serve(api.OpSecretRotate, (*Service).rotateSecret),
	serve(api.OpSecretSetKeyID, (*Service).setKeyID),
}

// getSecret answers the secret. Reading it is audited (who may now sign
// tokens), without the value.
func (s *Service) getSecret(ctx context.Context, c *call, _ api.Empty) (api.TokenSecret, error) {
	var out api.TokenSecret
	err := s.mutateEvent(ctx, c, "token secret", func(tx store.Tx, e *event) error {
		r, err := s.tokenSecret(tx, c.acct.ID)
		if err != nil {
			return err
		}
		e.detail = "secret read"
		out = api.TokenSecret{Secret: r.Secret, KeyID: r.KeyID, RotatedAt: r.RotatedAt}
		return nil
	})
	return out, err
}

// rotateSecret replaces the secret: every token signed with the old one is
// refused from now on, by the service and by backends given the new one.
func (s *Service) rotateSecret(ctx context.Context, c *call, _ api.Empty) (api.SecretInfo, error) {
	var out api.SecretInfo
	err := s.mutateEvent(ctx, c, "token secret", func(tx store.Tx, e *event) error {
		r, err := s.tokenSecret(tx, c.acct.ID)
		if err != nil {
			return err
		}
		r.Secret, r.RotatedAt = randBytes(secretSize), s.now()
		e.detail = "secret rotated (value not recorded)"
		out = r.info()
		return putJSON(tx, store.Secrets, c.acct.ID, r)
	})
	return out, err
}

// setKeyID sets the kid header of new tokens; "" removes it.
func (s *Service) setKeyID(ctx context.Context, c *call, req api.SetKeyIDRequest) (api.SecretInfo, error) {
	if err := apitoken.CheckKeyID(req.KeyID); err != nil {
		return api.SecretInfo{}, err
	}
	var out api.SecretInfo
	err := s.mutateEvent(ctx, c, "token secret", func(tx store.Tx, e *event) error {
		r, err := s.tokenSecret(tx, c.acct.ID)
		if err != nil {
			return err
		}
		e.detail = "kid " + quoteKID(r.KeyID) + " → " + quoteKID(req.KeyID)
		r.KeyID = req.KeyID
		out = r.info()
		return putJSON(tx, store.Secrets, c.acct.ID, r)
	})
	return out, err
}

func quoteKID(kid string) string {
	if kid == "" {
		return "(none)"
	}
	return `"` + kid + `"`
}
