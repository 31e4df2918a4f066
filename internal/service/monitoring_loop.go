package service

import (
	"context"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/store"
)

// Defaults of the monitor loop.
const (
	// DefaultMonitorConcurrency bounds the checks one instance runs at once.
	DefaultMonitorConcurrency = 32
	// LeaseTTL is how long a claimed check is an instance's own: longer
	// than a check may take (pins.DefaultTimeout), shorter than the
	// shortest interval, so a crashed instance's claims lapse in time.
	LeaseTTL = 50 * time.Second
)

// RoundStats says what one monitoring round did.
type RoundStats struct {
	Accounts int // accounts looked at
	Checked  int // domains this instance checked
	Failing  int // of which failing
	Notices  int // events notified
}

// job is one claimed domain of an account, then its outcome.
type job struct {
	account string
	domain  pins.Domain
	out     outcome
}

// MonitorRound runs one round of the monitor loop as instance owner:
// every domain of every account whose next check is due and that no other
// instance holds is claimed (a lease in the store, so the fleet checks
// each domain once per interval), checked at most
// Options.MonitorConcurrency at a time, recorded, and notified on change.
// approovd runs it every few seconds (internal/monitor).
func (s *Service) MonitorRound(ctx context.Context, owner string) (RoundStats, error) {
	ids, err := s.accountIDs(ctx)
	stats := RoundStats{Accounts: len(ids)}
	if err != nil {
		return stats, err
	}
	jobs, err := s.claimAll(ctx, ids, owner)
	if err != nil {
		return stats, err
	}
	s.runChecks(ctx, jobs)
	for _, group := range byAccount(jobs) {
		n, err := s.settleChecks(ctx, group[0].account, owner, group)
		if err != nil {
			return stats, err
		}
		stats.Notices += n
	}
	stats.Checked = len(jobs)
	for _, j := range jobs {
		stats.Failing += boolInt(!j.out.OK)
	}
	return stats, nil
}

// claimAll claims the due domains of every account in ids.
func (s *Service) claimAll(ctx context.Context, ids []string, owner string) ([]job, error) {
	var jobs []job
	for _, id := range ids {
		mine, err := s.claimChecks(ctx, id, owner, false)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, mine...)
	}
	return jobs, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Service) accountIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.view(ctx, func(tx store.Tx) error {
		ids = nil
		return tx.Scan(store.Accounts, "", "", func(k string, _ []byte) error {
			ids = append(ids, k)
			return nil
		})
	})
	return ids, err
}

// byAccount groups jobs by account, in order.
func byAccount(jobs []job) [][]job {
	var out [][]job
	for i := 0; i < len(jobs); {
		j := i
		for j < len(jobs) && jobs[j].account == jobs[i].account {
			j++
		}
		out = append(out, jobs[i:j])
		i = j
	}
	return out
}

// claimChecks leases the account's due domains (all of them when all) to owner
// and schedules their next check one interval on. A read comes first, so
// a round with nothing due writes nothing.
func (s *Service) claimChecks(ctx context.Context, account, owner string, all bool) ([]job, error) {
	var due []job
	err := s.view(ctx, func(tx store.Tx) (err error) {
		due, err = s.dueDomains(tx, account, owner, all)
		return err
	})
	if err != nil || len(due) == 0 {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		var err error
		if due, err = s.dueDomains(tx, account, owner, all); err != nil {
			return err
		}
		return s.lease(tx, account, owner, due)
	})
	return due, err
}

func (s *Service) dueDomains(tx store.Tx, account, owner string, all bool) ([]job, error) {
	targets, err := monitorTargets(tx, account)
	now := s.now()
	var due []job
	for _, d := range targets {
		if err != nil {
			break
		}
		var st *domainStateRec
		st, err = loadDomainState(tx, account, d.Name)
		free := st.LeaseOwner == "" || st.LeaseOwner == owner || !now.Before(st.LeaseUntil)
		if err == nil && (all || (free && !now.Before(st.NextCheck))) {
			due = append(due, job{account: account, domain: d})
		}
	}
	return due, err
}

func (s *Service) lease(tx store.Tx, account, owner string, due []job) error {
	m, err := loadMonitor(tx, account)
	now := s.now()
	for _, j := range due {
		if err != nil {
			return err
		}
		var st *domainStateRec
		if st, err = loadDomainState(tx, account, j.domain.Name); err != nil {
			return err
		}
		st.LeaseOwner, st.LeaseUntil, st.NextCheck = owner, now.Add(LeaseTTL), now.Add(m.Interval)
		err = putJSON(tx, store.Monitoring, domainStateKey(account, j.domain.Name), st)
	}
	return err
}

// runChecks checks every job, at most MonitorConcurrency at once.
func (s *Service) runChecks(ctx context.Context, jobs []job) {
	sem := make(chan struct{}, s.opt.MonitorConcurrency)
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			jobs[i].out = s.checkDomain(ctx, jobs[i].domain)
		}()
	}
	wg.Wait()
}

// settleChecks records the outcomes of an account's jobs still leased to owner
// (a check whose lease another instance took over is dropped), prunes the
// history, and notifies the events. It returns how many were notified.
func (s *Service) settleChecks(ctx context.Context, account, owner string, jobs []job) (int, error) {
	var notices []notice
	var failing []string
	err := s.update(ctx, func(tx store.Tx) error {
		notices = nil
		for _, j := range jobs {
			ns, err := s.record1(tx, account, owner, j)
			if err != nil {
				return err
			}
			notices = append(notices, ns...)
		}
		var err error
		if failing, err = failingDomains(tx, account); err != nil {
			return err
		}
		return dropRemoved(tx, account)
	})
	if err != nil || len(notices) == 0 {
		return 0, err
	}
	return len(notices), s.notify(ctx, account, notices, failing)
}

// record1 records one outcome; nil notices when the lease is lost.
func (s *Service) record1(tx store.Tx, account, owner string, j job) ([]notice, error) {
	st, err := loadDomainState(tx, account, j.domain.Name)
	if err != nil || (owner != "" && st.LeaseOwner != owner) {
		return nil, err
	}
	ns := advance(st, j.domain.Name, j.out)
	st.LeaseOwner, st.LeaseUntil = "", time.Time{}
	if err := putJSON(tx, store.Monitoring, domainStateKey(account, j.domain.Name), st); err != nil {
		return nil, err
	}
	h := checkRec{Time: j.out.At, State: st.State, Latency: j.out.Latency, Error: j.out.Error}
	prefix := historyPrefix(account, j.domain.Name)
	if err := putJSON(tx, store.Monitoring, timeKey(prefix, j.out.At), h); err != nil {
		return nil, err
	}
	return ns, pruneBefore(tx, prefix, j.out.At.Add(-HistoryRetention))
}

func failingDomains(tx store.Tx, account string) ([]string, error) {
	targets, err := monitorTargets(tx, account)
	var out []string
	for _, d := range targets {
		if err != nil {
			break
		}
		var st *domainStateRec
		if st, err = loadDomainState(tx, account, d.Name); err == nil && st.State == "failing" {
			out = append(out, d.Name)
		}
	}
	return out, err
}

// dropRemoved deletes the state and history of domains no longer
// monitored (removed from the pin configuration), at most maxSweep
// history records a time, so nothing outlives its domain for long.
func dropRemoved(tx store.Tx, account string) error {
	targets, err := monitorTargets(tx, account)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, d := range targets {
		keep[d.Name] = true
	}
	var gone []string
	start, end := store.Prefix(domainStatePrefix(account))
	err = tx.Scan(store.Monitoring, start, end, func(k string, _ []byte) error {
		if name := k[len(start):]; !keep[name] {
			gone = append(gone, name)
		}
		return nil
	})
	for _, name := range gone {
		if err == nil {
			err = dropDomain(tx, account, name)
		}
	}
	return err
}

// dropDomain deletes a domain's history (up to maxSweep records; the
// state goes with the last of them) and then its state.
func dropDomain(tx store.Tx, account, name string) error {
	var dead []string
	start, end := store.Prefix(historyPrefix(account, name))
	err := tx.Scan(store.Monitoring, start, end, func(k string, _ []byte) error {
		dead = append(dead, k)
		if len(dead) >= maxSweep {
			return store.ErrStop
		}
		return nil
	})
	for _, k := range dead {
		if err == nil {
			err = tx.Delete(store.Monitoring, k)
		}
	}
	if err != nil || len(dead) >= maxSweep {
		return err
	}
	return tx.Delete(store.Monitoring, domainStateKey(account, name))
}
