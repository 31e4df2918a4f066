package service

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// IdempotencyTTL is how long the first outcome of a request sent under an
// idempotency key answers its retries.
const IdempotencyTTL = time.Hour

// Bounds of an idempotency key (the client sends a nonce).
const (
	minIdempotencyKey = 16
	maxIdempotencyKey = 64
)

// idemRec is the outcome of the first request under a key: pending while
// it runs, then its answer. It is bound to what was asked, so a key reused
// for another request is refused rather than answered. An answer may hold
// a secret the service otherwise never keeps (an invitation's code, a
// token secret): it is stored sealed with a key derived from the
// idempotency key, which the store holds only hashed, so only a retry
// (which brings the key) can open it.
type idemRec struct {
	Op      string         `json:"op"`
	Digest  []byte         `json:"digest"` // SHA-256 of the query and body
	Pending bool           `json:"pending,omitempty"`
	Body    []byte         `json:"body,omitempty"`
	Error   *api.WireError `json:"error,omitempty"`
	Expires time.Time      `json:"expires"`
}

// once runs fn, the handler of a signed non-idempotent request, once per
// idempotency key: a retry (signed anew, by the same signer, with the same
// parameters) gets the first outcome without running anything again.
// Requests without a key run as they are.
func (s *Service) once(ctx context.Context, c *call, fn func() ([]byte, error)) ([]byte, error) {
	key := c.req.IdempotencyKey
	if key == "" || c.op.Idempotent || c.op.Cred == api.CredNone {
		return fn()
	}
	if len(key) < minIdempotencyKey || len(key) > maxIdempotencyKey || !nonceChars(key) {
		return nil, fault.New(fault.Invalid, "idempotency key must be %d to %d characters of base64url", minIdempotencyKey, maxIdempotencyKey)
	}
	rec := idemRec{Op: c.op.Name, Digest: auth.Digest(append([]byte(c.req.Query+"\x00"), c.req.Body...)), Pending: true, Expires: s.now().Add(IdempotencyTTL)}
	k := c.acct.ID + "\x00" + c.signer() + "\x00" + hex.EncodeToString(auth.Digest([]byte(key)))
	first, err := s.claim(ctx, k, rec)
	if err != nil || first != nil {
		return replayOutcome(first, key, err)
	}
	out, err := fn()
	s.settle(ctx, k, key, rec, out, err)
	return out, err
}

// answerKey is the AES-256 key that seals an answer under an idempotency key.
func answerKey(key string) []byte {
	return auth.Digest([]byte("approov-idempotent-answer-v1\x00" + key))
}

func sealAnswer(key string, body []byte) []byte {
	aead := answerAEAD(key)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, body, nil)
}

func openAnswer(key string, sealed []byte) ([]byte, error) {
	aead := answerAEAD(key)
	if len(sealed) < aead.NonceSize() {
		return nil, fault.New(fault.Internal, "stored answer too short")
	}
	body, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
	if err != nil {
		return nil, fault.New(fault.Internal, "stored answer does not open: %v", err)
	}
	return body, nil
}

func answerAEAD(key string) cipher.AEAD {
	block, err := aes.NewCipher(answerKey(key))
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// signer names who signed, stable across a re-login: user and role for a
// session, the code for a code.
func (c *call) signer() string {
	if c.sess != nil {
		return "u:" + c.sess.User + "\x00" + string(c.sess.Role)
	}
	return "c:" + c.req.KeyID
}

// claim records rec under k unless a live record is there, which it returns.
func (s *Service) claim(ctx context.Context, k string, rec idemRec) (*idemRec, error) {
	var found *idemRec
	err := s.update(ctx, func(tx store.Tx) error {
		found = nil
		var old idemRec
		ok, err := getJSON(tx, store.Idempotency, k, &old)
		if err != nil {
			return err
		}
		if ok && old.Expires.After(s.now()) {
			if old.Op != rec.Op || !bytes.Equal(old.Digest, rec.Digest) {
				return fault.New(fault.Invalid, "idempotency key already used for another request")
			}
			found = &old
			return nil
		}
		if err := putJSON(tx, store.Idempotency, k, rec); err != nil {
			return err
		}
		return expireAt(tx, rec.Expires, store.Idempotency, k)
	})
	return found, err
}

// settle stores the outcome for retries. A fault of the service itself
// (internal, cancelled) leaves nothing: a retry runs the request again.
func (s *Service) settle(ctx context.Context, k, key string, rec idemRec, out []byte, err error) {
	rec.Pending, rec.Body = false, sealAnswer(key, out)
	if err != nil {
		w := api.ToWire(err)
		rec.Error, rec.Body = &w, nil
	}
	_ = s.update(ctx, func(tx store.Tx) error {
		if kind := fault.KindOf(err); err != nil && (kind == fault.Internal || kind == fault.Cancelled) {
			return tx.Delete(store.Idempotency, k)
		}
		return putJSON(tx, store.Idempotency, k, rec)
	})
}

// replayOutcome answers a retry with the first request's outcome.
func replayOutcome(first *idemRec, key string, err error) ([]byte, error) {
	switch {
	case err != nil:
		return nil, err
	case first.Pending:
		return nil, fault.WithHint(fault.New(fault.Conflict, "the same request is still running on the service"), "wait a moment, then check whether it took effect")
	case first.Error != nil:
		return nil, first.Error.Err()
	}
	return openAnswer(key, first.Body)
}

func nonceChars(s string) bool {
	return !bytes.ContainsFunc([]byte(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	})
}
