package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit. bbolt's own Batch starts a group on a timer and detaches
// it when the timer fires; when a commit (two fdatasyncs) takes longer
// than the timer, groups form faster than they commit and queue without
// bound. Here one committer runs at a time: it takes every update waiting,
// commits them in one transaction, and meanwhile the next group gathers.
// An idle store commits a lone update at once; under load a group holds
// whatever arrived during the previous commit, so the wait is at most one
// commit and the flushes per second stay bounded by the disk, not by the
// request rate.

// maxGroup bounds the updates of one commit (one transaction's memory).
const maxGroup = 1000

// While updates arrive at groupBusyRate a second or more the committer
// waits groupLinger after each commit for more before the next. A
// commit's cost is mostly fixed (two fdatasyncs, the meta and freelist
// pages, the branch pages above each leaf), so a fuller commit costs each
// request less CPU: 8–10 % of approovd's per signed read under 128 workers
// (docs/bench/README.md, perf14). A quieter store commits at once, however
// large a group a slow disk let gather: at 1,000 signed reads a second a
// linger after every group of 8 or more (the stalls of a shared machine)
// doubled p99.
const (
	groupBusyRate = 2500
	groupLinger   = 2 * time.Millisecond
)

// errAlone tells a grouped update to run in a transaction of its own: its
// function failed, which failed the whole group's transaction.
var errAlone = errors.New("store: run alone")

type groupCall struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// groupUpdate runs fn in a transaction shared with other waiting updates.
func (s *Bolt) groupUpdate(fn func(*bolt.Tx) error) error {
	done := make(chan error, 1)
	s.group.Add(groupCall{fn: fn, done: done})
	if err := <-done; !errors.Is(err, errAlone) {
		return err
	}
	return s.db.Update(fn)
}

// commitGroup runs calls in one transaction. A call whose function fails
// is taken out and told to run alone; the others run again without it.
func (s *Bolt) commitGroup(calls []groupCall) {
	for len(calls) > 0 {
		failed := -1
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i, c := range calls {
				if err := safely(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range calls {
				c.done <- err
			}
			return
		}
		calls[failed].done <- errAlone
		calls = append(calls[:failed:failed], calls[failed+1:]...)
	}
}

// safely runs fn, turning a panic into an error so that one update's
// panic cannot take the committer, and every other waiting update, down.
func safely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: panic in an update: %v", p)
		}
	}()
	return fn(tx)
}
