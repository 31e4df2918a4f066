package service

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// Records that expire (sessions, codes, nonce counts) each have an entry in
// the Expiry bucket, "<unix seconds, 20 digits>\x00<bucket>\x00<key>", so
// that finding what has expired reads only that, oldest first. A nonce's
// count row's entry stands for the nonces of its minute (sweepSlotNonces).

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
	if err == nil {
		err = dropAll(tx, dead)
	}
	return err
}

// dropAll drops the expired records of indexKeys, at most maxSweep in all
// (a count row's replay records included).
func dropAll(tx store.Tx, indexKeys []string) error {
	left := maxSweep
	for _, k := range indexKeys {
		if left <= 0 {
			return nil
		}
		n, err := dropExpired(tx, k, left)
		if err != nil {
			return err
		}
		left -= n
	}
	return nil
}

// dropExpired deletes the record of indexKey and the entry, and returns
// how many records it deleted: for a count row, up to budget of its
// replay records first (sweepSlotNonces), the row and the entry staying
// while any is left.
func dropExpired(tx store.Tx, indexKey string, budget int) (int, error) {
	parts := strings.SplitN(indexKey, "\x00", 3)
	nonces := 0
	if len(parts) == 3 && store.Bucket(parts[1]) == store.NonceCounts {
		n, done, err := sweepSlotNonces(tx, parts[2], budget)
		if err != nil || !done {
			return n, err // the rest at the next sweep
		}
		nonces = n
	}
	if err := tx.Delete(store.Expiry, indexKey); err != nil || len(parts) != 3 {
		return nonces, err
	}
	return nonces + 1, tx.Delete(store.Bucket(parts[1]), parts[2])
}

// sweepSlotNonces deletes up to max entries of the expired count row
// countKey (its credential's entries expiring before the slot's end) and
// reports how many, and whether none is left. The entries remember writes
// have no index entries of their own: each would be one more page per
// busy credential in every group commit (a credential's entries within a
// second are adjacent in the index, but apart from other credentials'),
// so the count row's entry stands for them.
func sweepSlotNonces(tx store.Tx, countKey string, max int) (int, bool, error) {
	credential, slot, ok := countRow(countKey)
	if !ok {
		return 0, true, nil
	}
	start, _ := store.Prefix(credential + "|")
	var dead []string
	err := tx.Scan(store.Nonces, start, nonceKey(credential, slotEnd(time.Unix(slot*nonceSlot, 0)), ""), func(k string, _ []byte) error {
		if len(dead) == max {
			return store.ErrStop
		}
		dead = append(dead, k)
		return nil
	})
	for _, k := range dead {
		if err != nil {
			break
		}
		err = tx.Delete(store.Nonces, k)
	}
	return len(dead), err == nil && len(dead) < max, err
}

// countRow splits a count row's key, "<credential>|<slot, 20 digits>",
// into credential and slot. The shard rows of a store.Recorder (with
// "|<shard, 2 digits>" after the slot) are not count rows here: the
// records recordNonce and admitNonce write have index entries of their
// own (one statement writes them all), and a scan of the range would only
// widen a serializable sweep's reads.
func countRow(k string) (string, int64, bool) {
	i := len(k) - 21
	if i < 0 || k[i] != '|' || !digits(k[i+1:]) {
		return "", 0, false
	}
	slot, err := strconv.ParseInt(k[i+1:], 10, 64)
	return k[:i], slot, err == nil
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// The replay cache. Nonces maps "<credential>|<expiry, 20 digits>|<nonce>"
// to nothing, so the entries of one credential (a session, a code, a
// user's logins) are one key range ordered by expiry: a request deletes its
// credential's expired entries by reading only those. The expiry comes
// from the signed request (or the login challenge), so a replay has the
// same key. NonceCounts maps "<credential>|<minute>" to the number of
// entries expiring in that minute: the live count of a credential is a sum
// over a few rows, whatever its traffic. Each credential may have
// MaxNonces live entries, so one client cannot fill the cache for others,
// and no row is shared by requests of different credentials.

// nonceSlot is the grain, in seconds, of NonceCounts.
const nonceSlot = 60

func nonceKey(credential string, expiry time.Time, nonce string) string {
	return fmt.Sprintf("%s|%020d|%s", credential, max(expiry.Unix(), 0), nonce)
}

func slotKey(credential string, slot int64) string {
	return fmt.Sprintf("%s|%020d", credential, max(slot, 0))
}

func slotOf(t time.Time) int64 { return t.Unix() / nonceSlot }

// keyTime reads the 20-digit Unix time that follows credential| in k.
func keyTime(k, credential string) time.Time {
	digits := k[min(len(credential)+1, len(k)):]
	n, _ := strconv.ParseInt(digits[:min(20, len(digits))], 10, 64)
	return time.Unix(n, 0)
}

// remember records nonce of credential until expiry, failing on a
// duplicate or when the credential's live entries reach the bound (fail
// closed), after deleting the credential's expired entries and counts.
// A store whose transactions are a store.Recorder records it without
// reading the credential's rows into the transaction (recordNonce).
func (s *Service) remember(tx store.Tx, credential, nonce string, expiry time.Time) error {
	if r, ok := tx.(recorderTx); ok {
		return s.recordNonce(r, credential, nonce, expiry)
	}
	now := s.now()
	key := nonceKey(credential, expiry, nonce)
	if _, err := tx.Get(store.Nonces, key); err == nil {
		return auth.ErrReplay
	}
	if err := pruneNonces(tx, credential, now); err != nil {
		return err
	}
	if live, err := s.liveNonces(tx, credential, now); err != nil || live >= s.opt.MaxNonces {
		if err == nil {
			err = tooManyNonces()
		}
		return err
	}
	if err := tx.Put(store.Nonces, key, nil); err != nil {
		return err
	}
	return countNonce(tx, credential, expiry) // its index entry stands for key's (sweepSlotNonces)
}

func tooManyNonces() error {
	return fault.New(fault.Auth, "too many requests in the replay window; retry in a few minutes")
}

// pruneNonces deletes credential's expired entries, taking those of the
// current slot off its count, and the counts of past slots.
func pruneNonces(tx store.Tx, credential string, now time.Time) error {
	start, _ := store.Prefix(credential + "|")
	current := 0
	err := pruneRange(tx, store.Nonces, start, nonceKey(credential, now.Add(time.Second), ""), func(k string) time.Time {
		exp := keyTime(k, credential)
		if slotOf(exp) == slotOf(now) {
			current++
		}
		return exp
	})
	if err == nil {
		err = pruneRange(tx, store.NonceCounts, start, slotKey(credential, slotOf(now)), func(k string) time.Time {
			return slotEnd(time.Unix(keyTime(k, credential).Unix()*nonceSlot, 0))
		})
	}
	if err != nil || current == 0 {
		return err
	}
	return addCount(tx, credential, slotOf(now), -current)
}

// slotEnd is when the count of the slot starting at t has expired.
func slotEnd(t time.Time) time.Time { return t.Add(nonceSlot * time.Second) }

// pruneRange deletes up to maxSweep records of b in [start, end) and their
// index entries; at returns the expiry a key was indexed at.
func pruneRange(tx store.Tx, b store.Bucket, start, end string, at func(string) time.Time) error {
	var dead []string
	err := tx.Scan(b, start, end, func(k string, _ []byte) error {
		dead = append(dead, expiryKey(at(k), b, k))
		if len(dead) >= maxSweep {
			return store.ErrStop
		}
		return nil
	})
	if err == nil {
		err = dropAll(tx, dead)
	}
	return err
}

// liveNonces sums the credential's counts from now's slot on, stopping
// at the bound.
func (s *Service) liveNonces(tx store.Tx, credential string, now time.Time) (int, error) {
	live := 0
	_, end := store.Prefix(credential + "|")
	err := tx.Scan(store.NonceCounts, slotKey(credential, slotOf(now)), end, func(_ string, v []byte) error {
		return s.countLive(&live, v)
	})
	return max(live, 0), err
}

// countLive adds count v to live, stopping at the bound. A count is
// signed, so one below 0 cannot pass for a huge one.
func (s *Service) countLive(live *int, v []byte) error {
	if len(v) == 8 {
		*live += int(min(int64(binary.BigEndian.Uint64(v)), int64(s.opt.MaxNonces)))
	}
	if *live >= s.opt.MaxNonces {
		return store.ErrStop
	}
	return nil
}

// countNonce adds one to the count of expiry's slot.
func countNonce(tx store.Tx, credential string, expiry time.Time) error {
	return addCount(tx, credential, slotOf(expiry), 1)
}

// addCount adds d to a slot's count, indexing a new count to expire with
// its slot.
func addCount(tx store.Tx, credential string, slot int64, d int) error {
	k := slotKey(credential, slot)
	var n int64
	raw, err := tx.Get(store.NonceCounts, k)
	switch {
	case err == nil && len(raw) == 8:
		n = int64(binary.BigEndian.Uint64(raw))
	case errors.Is(err, store.ErrNotFound):
		if err := expireAt(tx, slotEnd(time.Unix(slot*nonceSlot, 0)), store.NonceCounts, k); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	return tx.Put(store.NonceCounts, k, binary.BigEndian.AppendUint64(nil, uint64(max(n+int64(d), 0))))
}
