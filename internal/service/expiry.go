package service

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// Records that expire (sessions, codes, nonces) each have an entry in the
// Expiry bucket, "<unix seconds, 20 digits>\x00<bucket>\x00<key>", so that
// finding what has expired reads only that, oldest first.

// maxSweep bounds the expired records one sweep deletes.
const maxSweep = 500

func expiryKey(t time.Time, b store.Bucket, key string) string {
	return fmt.Sprintf("%020d\x00%s\x00%s", max(t.Unix(), 0), b, key)
}

// expireAt indexes key of bucket b as expiring at t.
func expireAt(tx store.Tx, t time.Time, b store.Bucket, key string) error {
	return tx.Put(store.Expiry, expiryKey(t, b, key), nil)
}

// sweep deletes up to maxSweep records expired before now, with their index
// entries. A record deleted earlier (a logout) just loses its entry.
func sweep(tx store.Tx, now time.Time) error {
	var dead []string
	err := tx.Scan(store.Expiry, "", expiryKey(now, "", ""), func(k string, _ []byte) error {
		dead = append(dead, k)
		if len(dead) >= maxSweep {
			return store.ErrStop
		}
		return nil
	})
	for _, k := range dead {
		if err != nil {
			break
		}
		err = dropExpired(tx, k)
	}
	return err
}

func dropExpired(tx store.Tx, indexKey string) error {
	parts := strings.SplitN(indexKey, "\x00", 3)
	if err := tx.Delete(store.Expiry, indexKey); err != nil || len(parts) != 3 {
		return err
	}
	return tx.Delete(store.Bucket(parts[1]), parts[2])
}

// The replay cache: Nonces maps "<credential>|<nonce>" to its expiry, so
// the entries of one credential (a session, a code, a user's logins) are
// one key range. Each credential may hold MaxNonces live entries: one
// client cannot fill the cache for the others, and no row is shared by
// the requests of different credentials.

// remember records nonce of credential until expiry, failing on a live
// duplicate or when the credential's live entries reach the bound (fail
// closed). Expired entries met on the way are deleted.
func (s *Service) remember(tx store.Tx, credential, nonce string, expiry time.Time) error {
	now := s.now()
	key := credential + "|" + nonce
	if exp, err := tx.Get(store.Nonces, key); err == nil && nonceExpiry(exp).After(now) {
		return auth.ErrReplay
	}
	live, err := s.pruneNonces(tx, credential, now)
	if err != nil {
		return err
	}
	if live >= s.opt.MaxNonces {
		return fault.New(fault.Auth, "too many requests in the replay window; retry in a few minutes")
	}
	if err := tx.Put(store.Nonces, key, binary.BigEndian.AppendUint64(nil, uint64(expiry.Unix()))); err != nil {
		return err
	}
	return expireAt(tx, expiry, store.Nonces, key)
}

func nonceExpiry(v []byte) time.Time {
	if len(v) != 8 {
		return time.Time{}
	}
	return time.Unix(int64(binary.BigEndian.Uint64(v)), 0)
}

// pruneNonces deletes credential's expired entries and counts the live
// ones, reading at most MaxNonces of them.
func (s *Service) pruneNonces(tx store.Tx, credential string, now time.Time) (int, error) {
	live := 0
	var dead []string
	start, end := store.Prefix(credential + "|")
	err := tx.Scan(store.Nonces, start, end, func(k string, v []byte) error {
		if exp := nonceExpiry(v); exp.After(now) {
			live++
		} else {
			dead = append(dead, expiryKey(exp, store.Nonces, k))
		}
		if live >= s.opt.MaxNonces {
			return store.ErrStop
		}
		return nil
	})
	for _, k := range dead {
		if err != nil {
			break
		}
		err = dropExpired(tx, k)
	}
	return live, err
}
