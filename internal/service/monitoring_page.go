package service

import (
	"context"
	"errors"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/store"
)

// ErrNoStatusPage is the answer for a status-page token that names no
// enabled link: unknown and revoked alike (the server answers 404).
var ErrNoStatusPage = errors.New("no status page")

// maxPageToken bounds a token looked up (real ones are 43 characters).
const maxPageToken = 128

// StatusPageData is what a status page shows: the account's domains with
// their monitoring state and the last 7 days of checks of each.
type StatusPageData struct {
	Account   string
	Generated time.Time
	Domains   []api.MonitoredDomain
	History   map[string][]api.MonitoringCheck // by domain, oldest first
}

// StatusPage returns the data of the page whose link token is token. It
// reads the store on every call: a revoked link finds nothing at once.
func (s *Service) StatusPage(ctx context.Context, token string) (StatusPageData, error) {
	if token == "" || len(token) > maxPageToken {
		return StatusPageData{}, ErrNoStatusPage
	}
	var out StatusPageData
	err := s.view(ctx, func(tx store.Tx) error {
		account, err := tx.Get(store.Monitoring, pageIndexKey(pageHash(token)))
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoStatusPage
		}
		if err != nil {
			return err
		}
		out, err = s.pageData(tx, string(account))
		return err
	})
	return out, err
}

func (s *Service) pageData(tx store.Tx, account string) (StatusPageData, error) {
	now := s.now()
	out := StatusPageData{Account: account, Generated: now, History: map[string][]api.MonitoringCheck{}}
	var err error
	if out.Domains, err = monitoredDomains(tx, account); err != nil {
		return out, err
	}
	for _, d := range out.Domains {
		hs := []api.MonitoringCheck{}
		err = scanHistory(tx, account, d.Domain, now.Add(-HistoryRetention), func(h checkRec) bool {
			hs = append(hs, h.wire(d.Domain))
			return true
		})
		if err != nil {
			return out, err
		}
		out.History[d.Domain] = hs
	}
	return out, nil
}
