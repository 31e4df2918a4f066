// Package service holds approov's domain rules for accounts, users, roles,
// onboarding codes, sessions and audit. It is the authority: every backend,
// local or remote, hands it the signed request (auth.Request) as received, and it
// checks freshness, signature, replay, session, role and permission before
// any operation runs, then signs its answer with the account's service key.
package service

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/notify/webhook"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/store"
)

// Defaults for Options.
const (
	DefaultSessionTTL   = time.Hour
	DefaultCodeTTL      = 72 * time.Hour
	MaxCodeTTL          = 30 * 24 * time.Hour
	DefaultChallengeTTL = 2 * time.Minute
	DefaultMaxNonces    = 10_000
)

// Options configure a Service. Zero values take the defaults.
type Options struct {
	Now func() time.Time
	// Params are the Argon2id costs new enrolments must use, and the costs
	// enrolments are checked against (AtLeast). Default auth.ProductionParams;
	// tests inject cheap ones.
	Params       auth.Params
	SessionTTL   time.Duration
	CodeTTL      time.Duration
	ChallengeTTL time.Duration
	// Location is where codes and tokens say the service lives: a single
	// "local:<path>" or https:// URLs.
	Location []string
	// Limit is the login rate-limit policy.
	Limit RateLimit
	// MaxNonces bounds the live replay-cache entries of one credential
	// (a session, a code, a user's logins) in the replay window.
	MaxNonces int
	// InProcess says every request comes from the process the service
	// runs in (the embedded backend), never over a channel: a read-only
	// request then leaves no replay record, because no one who could not
	// sign it could have captured it (docs/design-notes.md, "Replay records
	// in process"). Failures are still audited, and mutations still
	// record their nonce. approovd never sets it.
	InProcess bool
	// Live says how the service reaches API domains to see their live
	// chains (roots, connect-to overrides, deadlines): pushes are checked
	// from where the service runs. The zero value dials domain:443 and
	// verifies against the system roots.
	Live pins.CheckOptions

	// Continuous API monitoring (issue 13). MonitorConcurrency bounds the
	// checks one round runs at once (default DefaultMonitorConcurrency);
	// Webhook sends webhook notifications (nil: webhook's defaults);
	// Mailer sends email ones (nil: email deliveries fail, recorded as such).
	MonitorConcurrency int
	Webhook            *webhook.Sender
	Mailer             Mailer
	// Evidence are the platform-evidence verifiers of the token service
	// (evidence.go); none by default.
	Evidence []EvidenceVerifier
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Params == (auth.Params{}) {
		o.Params = auth.ProductionParams
	}
	setDur(&o.SessionTTL, DefaultSessionTTL)
	setDur(&o.CodeTTL, DefaultCodeTTL)
	setDur(&o.ChallengeTTL, DefaultChallengeTTL)
	if o.Limit == (RateLimit{}) {
		o.Limit = DefaultRateLimit
	}
	if o.MaxNonces <= 0 {
		o.MaxNonces = DefaultMaxNonces
	}
	if o.MonitorConcurrency <= 0 {
		o.MonitorConcurrency = DefaultMonitorConcurrency
	}
}

func setDur(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Service applies the domain rules on a store.
type Service struct {
	st  store.Store
	opt Options
	// public caches each account's latest public configuration, checked
	// against the stored head version on every request (public.go).
	public sync.Map
	// metricsKeys caches each account's masking key once read from the
	// store (metrics.go): it never changes, and an attestation that reads
	// nothing cannot be the victim of a serialization conflict.
	metricsKeys sync.Map
	// keys holds each account's expanded service key (signingKey).
	keysMu sync.Mutex
	keys   map[string]ed25519.PrivateKey
	// dec keeps the decodings of the records every signed request reads
	// (decoded.go), checked against the stored bytes on every read.
	dec *decoded
	// tidied is which credentials' past slots this instance has purged
	// in the current slot (recordnonce.go).
	tidied tidyMemo
	// shard is the count row this instance adds its admitted requests to
	// (recordnonce.go), picked at random so that instances rarely share one.
	shard uint32
}

// maxKeys bounds Service.keys; past it the cache starts again.
const maxKeys = 10_000

// signingKey is acct's service key, expanded from its seed once: the
// expansion is a scalar multiplication, as costly as the signature itself,
// and a server signs every answer.
func (s *Service) signingKey(acct *accountRec) ed25519.PrivateKey {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	if k, ok := s.keys[string(acct.ServiceSeed)]; ok {
		return k
	}
	if s.keys == nil || len(s.keys) >= maxKeys {
		s.keys = map[string]ed25519.PrivateKey{}
	}
	k := acct.serviceKey()
	s.keys[string(acct.ServiceSeed)] = k
	return k
}

// New returns a Service on st.
func New(st store.Store, opt Options) *Service {
	opt.defaults()
	return &Service{st: st, opt: opt, dec: newDecoded(), shard: mrand.Uint32N(nonceShards)}
}

func (s *Service) now() time.Time { return s.opt.Now().UTC() }

// getJSON loads key from b into v; found is false when missing.
func getJSON(tx store.Tx, b store.Bucket, key string, v any) (bool, error) {
	raw, err := tx.Get(b, key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, decodeJSON(b, key, raw, v)
}

// decodeJSON decodes the stored record key of b into v.
func decodeJSON(b store.Bucket, key string, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fault.New(fault.Internal, "corrupt %s record %q: %v", b, key, err)
	}
	return nil
}

func putJSON(tx store.Tx, b store.Bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(b, key, raw)
}

// scanPrefix calls fn for each key of b that starts with p.
func scanPrefix(tx store.Tx, b store.Bucket, p string, fn func(key string, value []byte) error) error {
	start, end := store.Prefix(p)
	return tx.Scan(b, start, end, fn)
}

// update runs fn in a write transaction of the service's store. fn may run
// more than once (store.Store.Update): it sets every result anew from
// what it reads.
func (s *Service) update(ctx context.Context, fn func(store.Tx) error) error {
	return s.st.Update(ctx, fn)
}

func (s *Service) view(ctx context.Context, fn func(store.Tx) error) error {
	return s.st.View(ctx, fn)
}
