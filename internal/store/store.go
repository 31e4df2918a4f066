// Package store is the service's persistence: a few buckets of keys and
// opaque values, read and written in transactions. It is deliberately
// small, so a PostgreSQL store (one table of bucket, key and value, run in
// SERIALIZABLE transactions, several servers on one database) can follow
// the bbolt one and pass the same storetest suite.
//
// The contract every implementation keeps and every caller relies on:
//
//   - Update may run its function more than once. A commit that fails with
//     a serialization conflict (ErrConflict) is retried with a fresh
//     transaction, which sees none of the failed attempt's writes. A
//     function therefore computes everything it returns from what it reads
//     in that transaction, and sets its results anew on every run.
//   - Reads are by key or by key range (Scan from start up to end), so a
//     query reads only what it returns when its keys are ordered for it:
//     audit events by account and time, expiring records through the
//     Expiry index.
//   - There is no counter or sequence every request writes: callers key
//     records by account, credential or time, so that transactions of
//     different accounts and sessions never touch the same row. The one
//     range they share, the head of the Expiry index, is swept by logins
//     only, which are rare beside requests. Rows every request of one
//     credential would read and write (its replay record) go through a
//     Recorder where the store has one (PostgreSQL), and a session's
//     through an Admitter, which commits many requests' entries at once.
//   - A store is made only by its Create function and opened only once
//     recognised as one (the bbolt store: its marker and format version,
//     checked before anything is written), so a path from a hostile code
//     or token can never turn another file into a store.
package store

import (
	"context"
	"errors"

	"github.com/approov-cli/approov/internal/fault"
)

// Bucket names a key space.
type Bucket string

// The service's buckets.
const (
	Accounts Bucket = "accounts" // account id → account record
	Users    Bucket = "users"    // account\x00email → user record
	Codes    Bucket = "codes"    // code id → code record
	Sessions Bucket = "sessions" // session id → session record
	Nonces   Bucket = "nonces"   // credential|expiry|nonce → nothing
	// NonceCounts: credential|minute → how many of its nonces expire then
	// (on a Recorder, credential|minute|shard: a part of that count).
	NonceCounts Bucket = "nonce_counts"
	Expiry      Bucket = "expiry" // expiry time\x00bucket\x00key → nothing: what to delete when
	Audit       Bucket = "audit"  // account\x00time\x00seq → event; account\x00seq → last seq
	Limits      Bucket = "limits" // rate-limit key → counters
	// Idempotency: account\x00signer\x00key → the first outcome of a
	// request retried under an idempotency key.
	Idempotency Bucket = "idempotency"

	Registrations Bucket = "registrations" // account\x00measurement id → registration
	AppSignCerts  Bucket = "appsigncerts"  // account\x00certificate id → trusted certificate
	Secrets       Bucket = "secrets"       // account id → HS256 token secret and kid
	Pins          Bucket = "pins"          // account\x00head, account\x00v\x00version → pin configuration
	// Monitoring: settings, domain states, check history, deliveries and
	// status-page links of continuous API monitoring (issue 13).
	Monitoring Bucket = "monitoring"

	// Metrics (attestation metrics, docs/metrics.md): one row per
	// attestation, hourly roll-ups and unique-installation presence keys;
	// MetricsKeys: account id → the HMAC key that masks installation ids.
	Metrics     Bucket = "metrics"
	MetricsKeys Bucket = "metrics_keys"

	// The token service (issue 14).
	Policies   Bucket = "policies"   // account id → attestation policy
	Devices    Bucket = "devices"    // account\x00k → installation mask key; account\x00d\x00mask → override
	Attested   Bucket = "attested"   // account\x00inverted time\x00mask → nothing: who attested last
	SecStrings Bucket = "secstrings" // account\x00name → runtime secret
)

// Buckets lists every bucket; a new store creates them.
var Buckets = []Bucket{Accounts, Users, Codes, Sessions, Nonces, NonceCounts, Expiry, Audit, Limits,
	Idempotency,   // outcomes answering retries
	Registrations, // registered builds
	AppSignCerts,  // trusted app-signing certificates
	Secrets,       // token secrets
	Pins,          // versions of the pin configuration
	Monitoring,    // continuous API monitoring
	// attestation metrics
	Metrics, MetricsKeys,
	// the token service (issue 14)
	Policies, Devices, Attested, SecStrings,
}

// ErrNotFound is returned by Get for a missing key.
var ErrNotFound = errors.New("not found")

// ErrStop ends a Scan early without error.
var ErrStop = errors.New("stop scan")

// ErrConflict is a commit refused because a concurrent transaction changed
// what this one read (a serialization failure). Update retries it; it
// reaches the caller only after MaxAttempts.
var ErrConflict = errors.New("store: transaction conflict")

// MaxAttempts is how many times Update runs a function whose commits
// conflict before it gives up.
const MaxAttempts = 5

// Store runs transactions.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits it. Updates
	// are serializable (across processes for an embedded store); an error
	// from fn rolls everything back and is returned as is. fn may be run
	// again after a conflict (see the package doc): it must be re-runnable.
	Update(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx reads and writes inside one transaction. Values returned are copies.
type Tx interface {
	Get(b Bucket, key string) ([]byte, error)
	Put(b Bucket, key string, value []byte) error
	Delete(b Bucket, key string) error
	// Scan calls fn for each key k with start <= k < end, in byte order
	// (end "": no upper bound). fn must not modify the bucket; it may
	// return ErrStop.
	Scan(b Bucket, start, end string, fn func(key string, value []byte) error) error
}

// Recorder is implemented by the transactions of stores that find
// conflicts by what a transaction read (PostgreSQL's SERIALIZABLE, whose
// predicate locks cover whole index pages), so that concurrent requests of
// one credential can add their replay entries without refusing one
// another. The service falls back on Get, Put and Scan for a Tx that is
// not one (bbolt runs one Update at a time: nothing to refuse).
type Recorder interface {
	// Insert writes key unless b holds it, telling whether it did, and
	// reads nothing into the transaction's conflict checks: of two
	// transactions inserting one key, at most one commits having done so.
	Insert(b Bucket, key string, value []byte) (bool, error)
	// Add adds d to the signed count at key (8 bytes big-endian; a
	// missing key counts 0), telling whether it created the key, without
	// reading the count into the transaction's conflict checks.
	Add(b Bucket, key string, d int64) (created bool, err error)
	// Tidy runs outside the transaction and its checks, in one go:
	// first it deletes up to limit keys of each of purge's ranges,
	// committed whatever becomes of the transaction, returning the keys
	// of each; then it calls fn for each pair of read as committed then
	// (transactions in flight are not in it), as Scan does. Purges are
	// for records nothing needs any more (expired ones), which concurrent
	// transactions may purge too: each key is deleted, and returned, once.
	Tidy(purge []Range, limit int, read Range, fn func(key string, value []byte) error) ([][]string, error)
	// PurgeKeys deletes keys of b as Tidy purges.
	PurgeKeys(b Bucket, keys []string) error
}

// Range is the keys of Bucket from Start up to End (as Scan's).
type Range struct {
	Bucket     Bucket
	Start, End string
}

// Prefix returns the Scan range of the keys starting with p.
func Prefix(p string) (start, end string) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return p, string(b[:i+1])
		}
	}
	return p, "" // p is empty or all 0xff: no upper bound
}

// ConflictInjector is implemented by stores for the conformance suite:
// the next n commits fail with ErrConflict, as if a concurrent
// transaction had won, so storetest can check Update re-runs its function.
type ConflictInjector interface {
	InjectConflicts(n int)
}

// WriteChecker is implemented by stores that can answer reads yet refuse
// every write (a PostgreSQL hot standby, a database whose transactions
// default to read-only). CheckWritable tells, writing nothing, whether an
// Update could commit now: a server whose every signed request writes its
// replay record is not ready on such a store (approovd's /readyz).
type WriteChecker interface {
	CheckWritable(ctx context.Context) error
}

// Retry runs attempt until it returns anything but ErrConflict, at most
// MaxAttempts times: the loop every implementation's Update shares. A
// conflict that outlasts them is a lost race the caller sees as one
// (fault.Conflict, exit 3), still ErrConflict to errors.Is.
func Retry(ctx context.Context, attempt func() error) error {
	var err error
	for i := range MaxAttempts {
		if err = attempt(); !errors.Is(err, ErrConflict) {
			return err
		}
		if ctx.Err() != nil {
			return fault.New(fault.Conflict, "%w after %d attempts (cancelled)", err, i+1)
		}
	}
	return fault.WithHint(fault.New(fault.Conflict, "%w: concurrent changes to the same records won %d times", err, MaxAttempts),
		"run the command again")
}

// Key is one key of one bucket.
type Key struct {
	Bucket Bucket
	Key    string
}

// Prefetcher is implemented by transactions whose reads each cost a round
// trip (PostgreSQL): Prefetch sends the reads of keys with the
// transaction's next statement, and later Gets of those keys answer from
// what came back (a Put or Delete of one in between is read as written).
type Prefetcher interface {
	Prefetch(keys ...Key)
}

// Prefetch tells tx which keys it is about to Get, where that saves round
// trips (a Prefetcher); elsewhere it does nothing.
func Prefetch(tx Tx, keys ...Key) {
	if p, ok := tx.(Prefetcher); ok {
		p.Prefetch(keys...)
	}
}

// Peeker is implemented by stores whose View costs round trips of its own
// to open and close a snapshot (PostgreSQL). Peek runs fn with a Tx whose
// reads each see what is committed when they run, sharing no snapshot,
// and which refuses writes: for checks that only grow stricter with what
// a later read sees (a session's liveness: once revoked, revoked).
type Peeker interface {
	Peek(ctx context.Context, fn func(Tx) error) error
}

// Peek runs fn on st's Peek where it has one, else in a View.
func Peek(ctx context.Context, st Store, fn func(Tx) error) error {
	if p, ok := st.(Peeker); ok {
		return p.Peek(ctx, fn)
	}
	return st.View(ctx, fn)
}

// Admitter is implemented by stores that record the replay entries of
// many concurrent requests in one round trip and one commit, outside any
// transaction (PostgreSQL, where a transaction of its own for each
// request's entry was most of a signed read's database work). Admit
// returns once a is committed, or was refused as a replay.
type Admitter interface {
	Admit(ctx context.Context, a Admission) (Admitted, error)
}

// Admission is one request's replay entry.
type Admission struct {
	// Insert is written (with an empty value) unless it is there: of any
	// number of admissions of one key, on any instance, one inserts it.
	Insert Key
	// Index keys are written with it, empty, whether or not it was
	// inserted: they must be keys a replay shares (an expiry index).
	Index []Key
	// Count is the signed 8-byte big-endian count (as Recorder.Add) that
	// 1 is added to when Insert is inserted.
	Count Key
	// Live is the range of counts whose sum Admitted reports; it must
	// have an End.
	Live Range
}

// Admitted is an Admission's outcome.
type Admitted struct {
	Inserted bool
	// Live is the sum of the Live range's counts as committed before the
	// admission, plus the admissions of that range inserted before this
	// one in the same commit.
	Live int64
}
