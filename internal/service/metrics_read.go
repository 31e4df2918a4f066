package service

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// Reading and compacting the metrics rows (metrics.go has their keys).

// Compaction runs in transactions of at most compactBatch attestation
// rows, so none is long or reads much (under SERIALIZABLE PostgreSQL a
// long read would end in conflicts with the attestations arriving), and
// rolls up at most maxCompact rows per metrics query.
const (
	compactBatch = 500
	maxCompact   = 20_000
)

// compactGrace is how long after its end an hour is rolled up: late
// attestations of a closed hour still land in rows of their own.
const compactGrace = time.Hour

// hourCounts are the attestations of one hour by their dimensions.
type hourCounts map[metricDims]int64

// readHours calls fn with the counts of each hour in [since, until) that
// has any, oldest first: its roll-up plus the attestations not yet rolled
// up, so the answer never depends on whether compaction ran.
func readHours(tx store.Tx, account string, since, until time.Time) (map[time.Time]hourCounts, error) {
	hours := map[time.Time]hourCounts{}
	add := func(h time.Time, d metricDims, n int64) {
		if hours[h] == nil {
			hours[h] = hourCounts{}
		}
		hours[h][d] += n
	}
	err := scanRollups(tx, account, since, until, add)
	if err == nil {
		err = scanEvents(tx, account, since, until, 0, func(h time.Time, _ string, d metricDims) error {
			add(h, d, 1)
			return nil
		})
	}
	return hours, err
}

func scanRollups(tx store.Tx, account string, since, until time.Time, add func(time.Time, metricDims, int64)) error {
	p := metricsHourPrefix(account)
	return tx.Scan(store.Metrics, p+hourDigits(since), p+hourDigits(until), func(k string, v []byte) error {
		h, err := keyHour(k, p)
		if err != nil {
			return err
		}
		var r metricHourRec
		if err := json.Unmarshal(v, &r); err != nil {
			return fault.New(fault.Internal, "corrupt metrics roll-up %q: %v", k, err)
		}
		for _, c := range r.Counts {
			add(h, c.metricDims, c.N)
		}
		return nil
	})
}

// scanEvents calls fn for each attestation row of the hours in [since,
// until), at most limit (0: all).
func scanEvents(tx store.Tx, account string, since, until time.Time, limit int, fn func(time.Time, string, metricDims) error) error {
	p, n := metricsEventPrefix(account), 0
	return tx.Scan(store.Metrics, p+hourDigits(since), p+hourDigits(until), func(k string, v []byte) error {
		h, err := keyHour(k, p)
		if err != nil {
			return err
		}
		var e metricEventRec
		if err := json.Unmarshal(v, &e); err != nil {
			return fault.New(fault.Internal, "corrupt metrics row %q: %v", k, err)
		}
		if n++; limit > 0 && n > limit {
			return store.ErrStop
		}
		return fn(h, k, e.metricDims)
	})
}

// keyHour reads the 20-digit hour that follows prefix p in k.
func keyHour(k, p string) (time.Time, error) {
	digits, _, _ := strings.Cut(strings.TrimPrefix(k, p), "\x00")
	sec, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || len(digits) != 20 {
		return time.Time{}, fault.New(fault.Internal, "corrupt metrics key %q", k)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// countUnique counts the presence keys of kind ("d" or "m") for each
// period (formatted with layout) from first to last, inclusive.
func countUnique(tx store.Tx, account, kind, layout string, first, last string) (map[string]int64, error) {
	p := account + "\x00" + kind + "\x00"
	_, end := store.Prefix(p + last)
	out := map[string]int64{}
	err := tx.Scan(store.Metrics, p+first, end, func(k string, _ []byte) error {
		period, _, ok := strings.Cut(strings.TrimPrefix(k, p), "\x00")
		if !ok || len(period) != len(layout) {
			return fault.New(fault.Internal, "corrupt metrics key %q", k)
		}
		out[period]++
		return nil
	})
	return out, err
}

// compactAccount rolls up the account's closed hours, batch by batch, up
// to maxCompact rows.
func (s *Service) compactAccount(ctx context.Context, account string) error {
	for total := 0; total < maxCompact; total += compactBatch {
		var n int
		err := s.update(ctx, func(tx store.Tx) error {
			var err error
			n, err = s.compactMetrics(tx, account, s.now(), compactBatch)
			return err
		})
		if err != nil || n < compactBatch {
			return err
		}
	}
	return nil
}

// compactMetrics rolls the attestation rows of hours that ended before
// now - compactGrace into their hours' roll-ups, at most limit rows, and
// says how many. Re-run safe: the rows it rolls up are deleted in the same
// transaction.
func (s *Service) compactMetrics(tx store.Tx, account string, now time.Time, limit int) (int, error) {
	hours := map[time.Time]hourCounts{}
	var done []string
	err := scanEvents(tx, account, time.Unix(0, 0), metricsHour(now.Add(-compactGrace)), limit,
		func(h time.Time, k string, d metricDims) error {
			if hours[h] == nil {
				hours[h] = hourCounts{}
			}
			hours[h][d]++
			done = append(done, k)
			return nil
		})
	for h, counts := range hours {
		if err != nil {
			break
		}
		err = s.addRollup(tx, account, h, counts)
	}
	for _, k := range done {
		if err != nil {
			break
		}
		err = dropMetricRow(tx, k, keyHourOf(k, metricsEventPrefix(account)).Add(metricsHourRetention))
	}
	return len(done), err
}

func keyHourOf(k, p string) time.Time { h, _ := keyHour(k, p); return h }

// addRollup adds counts to hour h's roll-up.
func (s *Service) addRollup(tx store.Tx, account string, h time.Time, counts hourCounts) error {
	key := metricsHourKey(account, h)
	var r metricHourRec
	if _, err := getJSON(tx, store.Metrics, key, &r); err != nil {
		return err
	}
	for _, c := range r.Counts {
		counts[c.metricDims] += c.N
	}
	r.Counts = r.Counts[:0]
	for d, n := range counts {
		r.Counts = append(r.Counts, metricCount{metricDims: d, N: n})
	}
	return s.putMetric(tx, key, h.Add(metricsHourRetention), r)
}

// dropMetricRow deletes a metrics row and its Expiry index entry.
func dropMetricRow(tx store.Tx, key string, exp time.Time) error {
	if err := tx.Delete(store.Metrics, key); err != nil {
		return err
	}
	return tx.Delete(store.Expiry, expiryKey(exp, store.Metrics, key))
}
