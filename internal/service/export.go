package service

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/storedump"
)

// The records of an account, for `approovd store dump` and `restore`:
// its account and secret records, every key under "<account>\x00" of the
// per-account buckets, its codes and sessions (found by the account they
// name), their replay-cache entries and counts, its monitoring records
// and status-page index entry, and the expiry index entries of all these. Rate-limit counters are not an account's: a
// restored account starts with none.

// ownedBuckets key every record "<account>\x00…" (Attested also
// "<account>\x01…"); idBuckets key one record by the account id.
var (
	ownedBuckets = []store.Bucket{store.Users, store.Audit, store.Idempotency, store.Registrations, store.AppSignCerts, store.Pins,
		store.Metrics, store.Devices, store.Attested, store.SecStrings}
	idBuckets = []store.Bucket{store.Secrets, store.MetricsKeys, store.Policies}
)

// AccountIDs lists the accounts in the store, in order.
func (s *Service) AccountIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.view(ctx, func(tx store.Tx) error {
		ids = nil
		return tx.Scan(store.Accounts, "", "", func(k string, _ []byte) error { ids = append(ids, k); return nil })
	})
	return ids, err
}

// ExportAccount reads every record of account id, in one snapshot.
func (s *Service) ExportAccount(ctx context.Context, id string) (*storedump.Dump, error) {
	d := storedump.New(id)
	err := s.view(ctx, func(tx store.Tx) error {
		d.Records = d.Records[:0]
		found, err := accountRecords(tx, id, d.Add)
		if err == nil && !found {
			err = fault.New(fault.Usage, "no account %q in this store", truncate(id, 60))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// accountRecords calls add with each record of account id in tx, and says
// whether the account exists.
func accountRecords(tx store.Tx, id string, add func(store.Bucket, string, []byte)) (bool, error) {
	raw, err := tx.Get(store.Accounts, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	keys := map[string]bool{} // "bucket\x00key" of what is added, for the expiry index
	put := func(b store.Bucket, k string, v []byte) { keys[string(b)+"\x00"+k] = true; add(b, k, v) }
	put(store.Accounts, id, raw)
	if err := exportOwned(tx, id, put); err != nil {
		return true, err
	}
	if err := exportMonitoring(tx, id, put); err != nil {
		return true, err
	}
	creds, err := exportCredentials(tx, id, put)
	if err != nil {
		return true, err
	}
	if err := exportNonces(tx, creds, put); err != nil {
		return true, err
	}
	return true, tx.Scan(store.Expiry, "", "", func(k string, v []byte) error {
		if _, target, ok := strings.Cut(k, "\x00"); ok && keys[target] {
			add(store.Expiry, k, v)
		}
		return nil
	})
}

// exportOwned adds the records keyed by the account id and the
// per-account buckets' keys.
func exportOwned(tx store.Tx, id string, put func(store.Bucket, string, []byte)) error {
	for _, b := range idBuckets {
		raw, err := tx.Get(b, id)
		switch {
		case err == nil:
			put(b, id, raw)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	scan := func(b store.Bucket, p string) error {
		return scanPrefix(tx, b, p, func(k string, v []byte) error { put(b, k, v); return nil })
	}
	for _, b := range ownedBuckets {
		if err := scan(b, id+"\x00"); err != nil {
			return err
		}
	}
	return scan(store.Attested, id+"\x01") // attestedPtrKey
}

// exportMonitoring adds the account's monitoring settings, domain states,
// history and deliveries (keys "<kind>\x00<account>…"), and the status
// page's index entry, which names the account in its value.
func exportMonitoring(tx store.Tx, id string, put func(store.Bucket, string, []byte)) error {
	raw, err := tx.Get(store.Monitoring, monitorKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	put(store.Monitoring, monitorKey(id), raw)
	for _, p := range []string{domainStatePrefix(id), "h\x00" + id + "\x00", deliveryPrefix(id)} {
		if err := scanPrefix(tx, store.Monitoring, p, func(k string, v []byte) error { put(store.Monitoring, k, v); return nil }); err != nil {
			return err
		}
	}
	var m monitorRec
	if json.Unmarshal(raw, &m) != nil || m.PageHash == "" {
		return nil
	}
	page, err := tx.Get(store.Monitoring, pageIndexKey(m.PageHash))
	if err == nil && string(page) == id {
		put(store.Monitoring, pageIndexKey(m.PageHash), page)
	}
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return err
}

// exportCredentials adds the codes and sessions of account id, and
// returns their replay-cache credentials.
func exportCredentials(tx store.Tx, id string, put func(store.Bucket, string, []byte)) ([]string, error) {
	var creds []string
	for _, b := range []store.Bucket{store.Codes, store.Sessions} {
		err := tx.Scan(b, "", "", func(k string, v []byte) error {
			var rec struct {
				Account string `json:"account"`
			}
			if json.Unmarshal(v, &rec) != nil || rec.Account != id {
				return nil
			}
			put(b, k, v)
			if b == store.Codes {
				k = auth.CodePrefix + k // a code signs as aoc_<id>
			}
			creds = append(creds, k)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return creds, nil
}

// exportNonces adds the replay-cache entries and counts of creds, so a
// request recorded before a dump is refused after the restore too.
func exportNonces(tx store.Tx, creds []string, put func(store.Bucket, string, []byte)) error {
	for _, c := range creds {
		for _, b := range []store.Bucket{store.Nonces, store.NonceCounts} {
			err := scanPrefix(tx, b, c+"|", func(k string, v []byte) error { put(b, k, v); return nil })
			if err != nil {
				return err
			}
		}
	}
	return nil
}
