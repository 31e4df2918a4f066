package service

import (
	"bytes"
	"errors"
	"sync"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

// Every signed request reads its account, its session and its user (the
// user twice: once to authenticate, once in the handler's own
// transaction), and decoding those JSON records was about a tenth of
// approovd's CPU per signed read (issue 11). A decoded cache keeps the
// last decoding of each record beside the exact bytes it came from. The
// store is still read in the caller's transaction every time, and the
// cached decoding is used only when the bytes read now are the bytes it
// was decoded from: a revocation, a re-enrolment or a deleted record
// changes or removes those bytes, so it is seen exactly as without the
// cache. Callers get their own copy (clone), so a handler that changes a
// record cannot change the cached one.

// maxDecoded bounds the entries of one decoded cache; past it the cache
// starts again, so a flood of sessions cannot grow memory without bound.
const maxDecoded = 4096

// decodedCache holds decoded records of one type, keyed by bucket and key.
type decodedCache[T any] struct {
	clone   func(*T) *T // a copy sharing nothing a caller may change
	prepare func(*T)    // when set, derives what each use would derive again (kept with the decoding)
	mu      sync.Mutex
	m       map[string]decodedRec[T]
}

type decodedRec[T any] struct {
	raw []byte // the stored bytes v was decoded from (a private copy)
	v   *T
}

// load reads key of b in tx and returns its decoding, nil when missing.
func (c *decodedCache[T]) load(tx store.Tx, b store.Bucket, key string) (*T, error) {
	raw, err := tx.Get(b, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	id := string(b) + "\x00" + key
	if v := c.hit(id, raw); v != nil {
		return v, nil
	}
	v := new(T)
	if err := decodeJSON(b, key, raw, v); err != nil {
		return nil, err
	}
	if c.prepare != nil {
		c.prepare(v)
	}
	c.keep(id, raw, c.clone(v))
	return v, nil
}

// hit is a copy of the cached decoding of id when it came from raw.
func (c *decodedCache[T]) hit(id string, raw []byte) *T {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		return nil
	}
	return c.clone(e.v)
}

// recall is a copy of the last decoding of key of b, if any: a hint of
// what the store holds (it may have changed since), never an answer.
func (c *decodedCache[T]) recall(b store.Bucket, key string) *T {
	c.mu.Lock()
	e, ok := c.m[string(b)+"\x00"+key]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return c.clone(e.v)
}

// keep caches v as the decoding of raw (copied: bbolt's bytes are valid
// only during the transaction).
func (c *decodedCache[T]) keep(id string, raw []byte, v *T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxDecoded {
		c.m = map[string]decodedRec[T]{}
	}
	c.m[id] = decodedRec[T]{raw: bytes.Clone(raw), v: v}
}

// decoded holds the caches of the records every signed request reads.
type decoded struct {
	accounts decodedCache[accountRec]
	sessions decodedCache[sessionRec]
	users    decodedCache[userRec]
}

func newDecoded() *decoded {
	return &decoded{
		accounts: decodedCache[accountRec]{clone: cloneAccount},
		sessions: decodedCache[sessionRec]{clone: cloneSession, prepare: prepareSession},
		users:    decodedCache[userRec]{clone: cloneUser},
	}
}

// The clones copy every field a handler may assign; byte slices (keys,
// seeds, salts) are shared: the service replaces them, never writes into
// them.

func cloneAccount(a *accountRec) *accountRec {
	c := *a
	c.Location = append([]string(nil), a.Location...)
	return &c
}

func cloneSession(s *sessionRec) *sessionRec {
	c := *s
	return &c
}

// prepareSession prepares the session key once per decoding: every
// request the session signs is verified under it.
func prepareSession(s *sessionRec) { s.verifier = auth.NewVerifyKey(s.PublicKey) }

func cloneUser(u *userRec) *userRec {
	c := *u
	c.PIN = cloneVerifier(u.PIN)
	if u.Roles != nil {
		c.Roles = make(map[role.Role]*roleRec, len(u.Roles))
		for name, rr := range u.Roles {
			c.Roles[name] = cloneRole(rr)
		}
	}
	return &c
}

func cloneRole(r *roleRec) *roleRec {
	if r == nil {
		return nil
	}
	c := *r
	c.Verifier = cloneVerifier(r.Verifier)
	return &c
}

func cloneVerifier(v *verifierRec) *verifierRec {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}
