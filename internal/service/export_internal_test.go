package service

import (
	"testing"

	"github.com/approov-cli/approov/internal/store"
)

// TestExportCoversEveryBucket: a new bucket must be placed: an account's
// records (in ownedBuckets, or found as codes and sessions are) or not
// (rate limits), or dumps would silently lose it.
func TestExportCoversEveryBucket(t *testing.T) {
	placed := map[store.Bucket]bool{store.Accounts: true, store.Codes: true, store.Sessions: true,
		store.Nonces: true, store.NonceCounts: true, store.Expiry: true, store.Monitoring: true,
		store.Limits: true} // counters of addresses and logins: not dumped
	for _, b := range append(ownedBuckets, idBuckets...) {
		placed[b] = true
	}
	for _, b := range store.Buckets {
		if !placed[b] {
			t.Errorf("bucket %s: say in export.go whether (and how) a dump carries it", b)
		}
	}
}
