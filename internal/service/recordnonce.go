package service

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/store"
)

// The replay record on a store.Recorder (PostgreSQL). There, remember's
// reads (is the nonce there? which entries expired? how many are live?)
// would each be a read of the credential's few index pages, which every
// concurrent request of the credential writes: under SERIALIZABLE, two
// requests of one session in flight at once would refuse each other, and
// the count row every one rewrites would make it certain. So:
//
//   - the nonce is inserted unless present: the unique key is the replay
//     check, across instances, with no read to conflict on;
//   - the entries and counts of past slots are purged outside the
//     transaction (they are garbage: an expired request is refused before
//     any store lookup), each by one purger;
//   - the count is split into nonceShards rows per slot (the nonce picks
//     one), added to blindly, and the live count is read as committed.
//
// The bound is then approximate: requests of one credential in flight at
// once do not see each other's entries, so the credential may pass
// MaxNonces by fewer than its requests in flight (at most the database
// connections of every instance), never more; the count of the current
// slot may stay higher than its live entries when a purge's transaction
// rolls back (refusing sooner, never later), until the slot ends.

// nonceShards is how many count rows a credential's slot is spread over.
const nonceShards = 16

// recorderTx is an Update's transaction on a store.Recorder.
type recorderTx interface {
	store.Tx
	store.Recorder
}

// shardKey is the count row of credential's slot that nonce adds to.
func shardKey(credential string, slot int64, nonce string) string {
	h := fnv.New32a()
	h.Write([]byte(nonce))
	return shardRow(credential, slot, h.Sum32())
}

// shardRow is count row shard of credential's slot:
// "<credential>|<slot, 20 digits>|<shard, 2 digits>", in the slot's range.
func shardRow(credential string, slot int64, shard uint32) string {
	return fmt.Sprintf("%s|%02d", slotKey(credential, slot), shard%nonceShards)
}

// recordNonce is remember on a Recorder: a denied request (replay, bound)
// leaves no entry and no count.
func (s *Service) recordNonce(tx recorderTx, credential, nonce string, expiry time.Time) error {
	now := s.now()
	key := nonceKey(credential, expiry, nonce)
	if ok, err := tx.Insert(store.Nonces, key, nil); err != nil || !ok {
		if err == nil {
			err = auth.ErrReplay
		}
		return err
	}
	if live, err := s.tidyNonces(tx, credential, now); err != nil || live >= s.opt.MaxNonces {
		if err == nil {
			err = tx.Delete(store.Nonces, key)
		}
		return orElse(err, tooManyNonces())
	}
	if err := expireAt(tx, expiry, store.Nonces, key); err != nil {
		return err
	}
	return addShard(tx, credential, slotOf(expiry), nonce, 1)
}

func orElse(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// tidyNonces purges credential's entries and counts of past slots, with
// their index entries, and returns its live count as committed. Only
// whole past slots are purged, so no count needs a decrement: the count
// of the current slot keeps its expired entries until the slot ends. A
// credential's purge is needed once a slot: the instance skips it after
// one that purged all there was (those statements were most of a
// request's database time).
func (s *Service) tidyNonces(tx recorderTx, credential string, now time.Time) (int, error) {
	start, end := store.Prefix(credential + "|")
	slot := slotOf(now)
	var purge []store.Range
	if !s.tidied.done(slot, credential) {
		purge = []store.Range{
			{Bucket: store.Nonces, Start: start, End: nonceKey(credential, time.Unix(slot*nonceSlot, 0), "")},
			{Bucket: store.NonceCounts, Start: start, End: slotKey(credential, slot)},
		}
	}
	live := 0
	count := func(_ string, v []byte) error { return s.countLive(&live, v) }
	dead, err := tx.Tidy(purge, maxSweep, store.Range{Bucket: store.NonceCounts, Start: slotKey(credential, slot), End: end}, count)
	if err != nil || len(dead) == 0 {
		return max(live, 0), err
	}
	if err := tx.PurgeKeys(store.Expiry, purgedIndex(credential, dead[0], dead[1])); err != nil {
		return 0, err
	}
	if len(dead[0]) < maxSweep && len(dead[1]) < maxSweep {
		s.tidied.add(slot, credential)
	}
	return max(live, 0), nil
}

// purgedIndex is the Expiry entries of credential's purged entries and
// counts.
func purgedIndex(credential string, entries, counts []string) []string {
	index := make([]string, 0, len(entries)+len(counts))
	for _, k := range entries {
		index = append(index, expiryKey(keyTime(k, credential), store.Nonces, k))
	}
	for _, k := range counts {
		index = append(index, expiryKey(slotEnd(time.Unix(keyTime(k, credential).Unix()*nonceSlot, 0)), store.NonceCounts, k))
	}
	return index
}

// tidyMemo holds the credentials purged in one slot, at most maxTidied
// (past it, purges just run again).
type tidyMemo struct {
	mu   sync.Mutex
	slot int64
	set  map[string]struct{}
}

const maxTidied = 100_000

func (m *tidyMemo) done(slot int64, credential string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.set[credential]
	return ok && m.slot == slot
}

func (m *tidyMemo) add(slot int64, credential string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.slot != slot || m.set == nil {
		m.slot, m.set = slot, map[string]struct{}{}
	}
	if len(m.set) < maxTidied {
		m.set[credential] = struct{}{}
	}
}

// addShard adds d to nonce's shard of credential's slot, indexing a new
// shard to expire with its slot.
func addShard(tx recorderTx, credential string, slot int64, nonce string, d int64) error {
	k := shardKey(credential, slot, nonce)
	created, err := tx.Add(store.NonceCounts, k, d)
	if err != nil || !created {
		return err
	}
	return expireAt(tx, slotEnd(time.Unix(slot*nonceSlot, 0)), store.NonceCounts, k)
}

// The replay record on a store.Admitter (PostgreSQL): the same entries,
// index and counts as recordNonce, but written for many requests at once,
// outside any transaction (store.Admission), the request's own commit
// being the group's. The credential's purge of past slots runs first, once
// a slot (tidyNonces); a request refused by the bound takes its entry and
// its count back. Requests admitted together add to one count row, and
// each instance to its own (Service.shard): the rows an admission sums
// are a few per slot, not nonceShards.

// admitNonce records nonce of credential until expiry through a.
func (s *Service) admitNonce(ctx context.Context, a store.Admitter, credential, nonce string, expiry time.Time) error {
	now := s.now()
	if err := s.purgeNonces(ctx, credential, now); err != nil {
		return err
	}
	adm := nonceAdmission(credential, nonce, expiry, now, s.shard)
	got, err := a.Admit(ctx, adm)
	switch {
	case err != nil:
		return err
	case !got.Inserted:
		return auth.ErrReplay
	case got.Live >= int64(s.opt.MaxNonces):
		return orElse(s.withdrawNonce(ctx, adm), tooManyNonces())
	}
	return nil
}

// nonceAdmission is the entry, index and count recordNonce writes.
func nonceAdmission(credential, nonce string, expiry, now time.Time, shard uint32) store.Admission {
	key := nonceKey(credential, expiry, nonce)
	slot := slotOf(expiry)
	count := shardRow(credential, slot, shard)
	_, end := store.Prefix(credential + "|")
	return store.Admission{
		Insert: store.Key{Bucket: store.Nonces, Key: key},
		Index: []store.Key{
			{Bucket: store.Expiry, Key: expiryKey(expiry, store.Nonces, key)},
			{Bucket: store.Expiry, Key: expiryKey(slotEnd(time.Unix(slot*nonceSlot, 0)), store.NonceCounts, count)},
		},
		Count: store.Key{Bucket: store.NonceCounts, Key: count},
		Live:  store.Range{Bucket: store.NonceCounts, Start: slotKey(credential, slotOf(now)), End: end},
	}
}

// purgeNonces runs the credential's purge of past slots unless this
// instance ran it this slot: a transaction that writes nothing of its own
// (Tidy works outside it), so no round trip opens or closes it.
func (s *Service) purgeNonces(ctx context.Context, credential string, now time.Time) error {
	if s.tidied.done(slotOf(now), credential) {
		return nil
	}
	return s.update(ctx, func(tx store.Tx) error {
		r, err := asRecorder(tx)
		if err == nil {
			_, err = s.tidyNonces(r, credential, now)
		}
		return err
	})
}

// withdrawNonce takes back an admitted entry and its count: the request
// was refused, and a refused request leaves neither (as in recordNonce).
func (s *Service) withdrawNonce(ctx context.Context, a store.Admission) error {
	return s.update(ctx, func(tx store.Tx) error {
		r, err := asRecorder(tx)
		if err == nil {
			err = r.Delete(a.Insert.Bucket, a.Insert.Key)
		}
		if err == nil {
			_, err = r.Add(a.Count.Bucket, a.Count.Key, -1)
		}
		return err
	})
}

// asRecorder is an Admitter's transaction as the Recorder it must be.
func asRecorder(tx store.Tx) (recorderTx, error) {
	r, ok := tx.(recorderTx)
	if !ok {
		return nil, fmt.Errorf("service: the store admits requests but its transactions are no store.Recorder")
	}
	return r, nil
}
