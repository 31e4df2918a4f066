// Package store is the service's persistence: a few buckets of keys and
// opaque values, read and written in transactions. It is deliberately
// small, so a PostgreSQL store (one table of bucket, key, value, run in
// SERIALIZABLE transactions) can follow the bbolt one.
package store

import (
	"context"
	"errors"
)

// Bucket names a key space.
type Bucket string

// The service's buckets.
const (
	Accounts Bucket = "accounts" // account id → account record
	Users    Bucket = "users"    // account\x00email → user record
	Codes    Bucket = "codes"    // code id → code record
	Sessions Bucket = "sessions" // session id → session record
	Nonces   Bucket = "nonces"   // replay key → expiry
	NonceExp Bucket = "nonce_exp"
	Audit    Bucket = "audit"  // account\x00seq → event
	Limits   Bucket = "limits" // rate-limit key → counters
	Pins     Bucket = "pins"   // account\x00head, account\x00v\x00version → pin configuration
)

// Buckets lists every bucket; a store creates them on open.
var Buckets = []Bucket{Accounts, Users, Codes, Sessions, Nonces, NonceExp, Audit, Limits, Pins}

// ErrNotFound is returned by Get for a missing key.
var ErrNotFound = errors.New("not found")

// ErrStop ends a Scan early without error.
var ErrStop = errors.New("stop scan")

// Store runs transactions. Update transactions are serialised (across
// processes for an embedded store); a failed fn rolls everything back.
type Store interface {
	View(ctx context.Context, fn func(Tx) error) error
	Update(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx reads and writes inside one transaction. Values returned are copies.
type Tx interface {
	Get(b Bucket, key string) ([]byte, error)
	Put(b Bucket, key string, value []byte) error
	Delete(b Bucket, key string) error
	// Scan calls fn for each key starting with prefix, in byte order.
	// fn must not modify the bucket; it may return ErrStop.
	Scan(b Bucket, prefix string, fn func(key string, value []byte) error) error
	// NextSeq returns a bucket's next sequence number (1, 2, …).
	NextSeq(b Bucket) (uint64, error)
}
