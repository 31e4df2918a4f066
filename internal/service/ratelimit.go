package service

import (
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// RateLimit is the backoff after failed proofs (logins, recovery PINs):
// Free failures are allowed back to back; after that each attempt must wait
// Base·2^(failures-Free), at most Max. Counters reset on success and after
// Forget without failures.
type RateLimit struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
}

// DefaultRateLimit: five free attempts, then 30 s, 1 min, 2 min … up to 15 min.
var DefaultRateLimit = RateLimit{Free: 5, Base: 30 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}

type limitRec struct {
	Failures int       `json:"failures"`
	Last     time.Time `json:"last"`
}

func (l RateLimit) wait(rec limitRec) time.Duration {
	if rec.Failures < l.Free {
		return 0
	}
	d := l.Base
	for i := l.Free; i < rec.Failures && d < l.Max; i++ {
		d *= 2
	}
	return min(d, l.Max)
}

// checkLimit fails with a RateLimitError while key is backing off.
func (s *Service) checkLimit(tx store.Tx, key string) error {
	rec, err := s.loadLimit(tx, key)
	if err != nil {
		return err
	}
	until := rec.Last.Add(s.opt.Limit.wait(rec))
	if now := s.now(); now.Before(until) {
		return &api.RateLimitError{
			Err:   fault.WithHint(fault.New(fault.Auth, "too many failed attempts"), "wait before trying again"),
			After: until.Sub(now),
		}
	}
	return nil
}

func (s *Service) loadLimit(tx store.Tx, key string) (limitRec, error) {
	var rec limitRec
	_, err := getJSON(tx, store.Limits, key, &rec)
	if err == nil && s.now().Sub(rec.Last) > s.opt.Limit.Forget {
		rec = limitRec{}
	}
	return rec, err
}

// failed counts one more failure for key.
func (s *Service) failed(tx store.Tx, key string) error {
	rec, err := s.loadLimit(tx, key)
	if err != nil {
		return err
	}
	rec.Failures++
	rec.Last = s.now()
	return putJSON(tx, store.Limits, key, rec)
}

// succeeded clears key's counter.
func (s *Service) succeeded(tx store.Tx, key string) error {
	return tx.Delete(store.Limits, key)
}
