package service

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"sort"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/storedump"
)

// ImportAccount writes the account of dump d (storedump.Parse checked its
// form) into the store, in one transaction: all of it or nothing. Every
// record must be one of the account's (as ExportAccount finds them), so a
// dump cannot write another account's keys. An account of that name
// already in the store is a conflict unless replace, which deletes its
// records first; a key of the dump that another account holds is always a
// conflict.
func (s *Service) ImportAccount(ctx context.Context, d *storedump.Dump, replace bool) error {
	if err := checkMembers(d); err != nil {
		return err
	}
	return s.update(ctx, func(tx store.Tx) error {
		old := map[string]bool{}
		found, err := accountRecords(tx, d.Account, func(b store.Bucket, k string, _ []byte) { old[string(b)+"\x00"+k] = true })
		switch {
		case err != nil:
			return err
		case found && !replace:
			return fault.WithHint(fault.New(fault.Conflict, "account %s already exists in the store", d.Account),
				"give --replace to overwrite it with the dump")
		}
		if err := checkFree(tx, d, old); err != nil {
			return err
		}
		return rewrite(tx, d, old)
	})
}

// checkMembers checks that d holds its account's record and nothing but
// records of that account.
func checkMembers(d *storedump.Dump) error {
	members := map[string]bool{}
	found, err := accountRecords(dumpTx(d.Records), d.Account, func(b store.Bucket, k string, _ []byte) { members[string(b)+"\x00"+k] = true })
	if err != nil {
		return err
	}
	if !found {
		return fault.New(fault.Invalid, "dump: no account record for %s", d.Account)
	}
	for i, r := range d.Records {
		if !members[string(r.Bucket)+"\x00"+r.Key] {
			return fault.New(fault.Invalid, "dump: record %d (bucket %s) is not one of account %s's", i, r.Bucket, d.Account)
		}
	}
	var acct accountRec
	raw, _ := dumpTx(d.Records).Get(store.Accounts, d.Account)
	if json.Unmarshal(raw, &acct) != nil || acct.ID != d.Account || len(acct.ServiceSeed) != ed25519.SeedSize {
		return fault.New(fault.Invalid, "dump: the account record of %s is not a valid one", d.Account)
	}
	return nil
}

// checkFree refuses a dump key held by another account of the store.
func checkFree(tx store.Tx, d *storedump.Dump, old map[string]bool) error {
	for _, r := range d.Records {
		_, err := tx.Get(r.Bucket, r.Key)
		switch {
		case errors.Is(err, store.ErrNotFound), err == nil && old[string(r.Bucket)+"\x00"+r.Key]:
		case err != nil:
			return err
		default:
			return fault.New(fault.Conflict, "a %s key of the dump is another account's in this store", r.Bucket)
		}
	}
	return nil
}

// rewrite deletes the old records, then writes the dump's.
func rewrite(tx store.Tx, d *storedump.Dump, old map[string]bool) error {
	for bk := range old {
		b, k := splitBucketKey(bk)
		if err := tx.Delete(b, k); err != nil {
			return err
		}
	}
	for _, r := range d.Records {
		if err := tx.Put(r.Bucket, r.Key, r.Value); err != nil {
			return err
		}
	}
	return nil
}

func splitBucketKey(bk string) (store.Bucket, string) {
	for i := range len(bk) {
		if bk[i] == 0 {
			return store.Bucket(bk[:i]), bk[i+1:]
		}
	}
	return store.Bucket(bk), ""
}

// dumpTx reads a dump's records (sorted by bucket and key) as a store:
// how checkMembers applies accountRecords to a file.
type dumpTx []storedump.Record

func (t dumpTx) find(b store.Bucket, key string) int {
	return sort.Search(len(t), func(i int) bool {
		return t[i].Bucket > b || (t[i].Bucket == b && t[i].Key >= key)
	})
}

func (t dumpTx) Get(b store.Bucket, key string) ([]byte, error) {
	if i := t.find(b, key); i < len(t) && t[i].Bucket == b && t[i].Key == key {
		return t[i].Value, nil
	}
	return nil, store.ErrNotFound
}

func (t dumpTx) Scan(b store.Bucket, start, end string, fn func(string, []byte) error) error {
	for i := t.find(b, start); i < len(t) && t[i].Bucket == b && (end == "" || t[i].Key < end); i++ {
		if err := fn(t[i].Key, t[i].Value); err != nil {
			if errors.Is(err, store.ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

func (dumpTx) Put(store.Bucket, string, []byte) error { return errors.New("dump: read only") }
func (dumpTx) Delete(store.Bucket, string) error      { return errors.New("dump: read only") }
