package service

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

// Audit outcomes other than a mutation's "ok".
const (
	outcomeOK = "ok"
)

// maxAuditList caps one ListAudit answer.
const maxAuditList = 10_000

// event is an audit record in the making.
type event struct {
	user    string
	role    role.Role
	op      string
	target  string
	outcome string
	// What changed (short, never a secret), the versions before and after,
	// and the reason given for a forced change.
	detail      string
	fromVersion int64
	toVersion   int64
	reason      string
}

// Audit keys. Events are "<account>\x00e\x00<unix nanoseconds, 20 digits>
// \x00<seq, 20 digits>", so one account's events are a key range ordered by
// time, and a --since query starts where it must. "<account>\x00n" holds
// the account's last sequence number: a row per account, never one shared
// by all accounts.
func auditPrefix(account string) string { return account + "\x00e\x00" }

func auditSeqKey(account string) string { return account + "\x00n" }

func auditKey(account string, t time.Time, seq uint64) string {
	return fmt.Sprintf("%s%020d\x00%020d", auditPrefix(account), auditNanos(t), seq)
}

// auditNanos is t in Unix nanoseconds, clamped to what an int64 holds.
func auditNanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// record appends e to the account's audit log inside tx.
func (s *Service) record(tx store.Tx, account string, e event) error {
	var seq uint64
	if raw, err := tx.Get(store.Audit, auditSeqKey(account)); err == nil && len(raw) == 8 {
		seq = binary.BigEndian.Uint64(raw)
	}
	seq++
	if err := tx.Put(store.Audit, auditSeqKey(account), binary.BigEndian.AppendUint64(nil, seq)); err != nil {
		return err
	}
	now := s.now()
	ev := auditRec{Seq: seq, Time: now, User: e.user, Role: e.role, Op: e.op, Target: e.target, Outcome: e.outcome,
		Detail: e.detail, FromVersion: e.fromVersion, ToVersion: e.toVersion, Reason: e.reason}
	return putJSON(tx, store.Audit, auditKey(account, now, seq), ev)
}

// auditRec is an audit event as stored (the service's own type: the wire's
// api.AuditEvent is made from it).
type auditRec struct {
	Seq         uint64    `json:"seq"`
	Time        time.Time `json:"time"`
	User        string    `json:"user"`
	Role        role.Role `json:"role"`
	Op          string    `json:"op"`
	Target      string    `json:"target"`
	Outcome     string    `json:"outcome"`
	Detail      string    `json:"detail,omitempty"`
	FromVersion int64     `json:"from_version,omitempty"`
	ToVersion   int64     `json:"to_version,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}

func (r auditRec) wire() api.AuditEvent {
	return api.AuditEvent{Seq: r.Seq, Time: r.Time, User: r.User, Role: r.Role, Op: r.Op, Target: r.Target, Outcome: r.Outcome,
		Detail: r.Detail, FromVersion: r.FromVersion, ToVersion: r.ToVersion, Reason: r.Reason}
}

// recordAlone appends e in its own transaction: for failures, whose own
// transaction was rolled back. An unknown account has no log to write to.
func (s *Service) recordAlone(ctx context.Context, account string, e event) {
	_ = s.update(ctx, func(tx store.Tx) error {
		if _, err := s.loadAccount(tx, account); err != nil {
			return err
		}
		return s.record(tx, account, e)
	})
}

// listAudit returns events at or after since that keep accepts, oldest
// first, at most limit. It reads only the events from since on.
func listAudit(tx store.Tx, account string, since time.Time, limit int, keep func(api.AuditEvent) bool) ([]api.AuditEvent, error) {
	if limit <= 0 || limit > maxAuditList {
		limit = maxAuditList
	}
	out := []api.AuditEvent{}
	_, end := store.Prefix(auditPrefix(account))
	start := auditKey(account, since, 0)
	err := tx.Scan(store.Audit, start, end, func(_ string, v []byte) error {
		var ev auditRec
		if err := json.Unmarshal(v, &ev); err != nil {
			return err
		}
		if w := ev.wire(); keep(w) {
			out = append(out, w)
		}
		if len(out) >= limit {
			return store.ErrStop
		}
		return nil
	})
	return out, err
}

// auditOps are the operations on the audit log.
var auditOps = []endpoint{
	serve(api.OpAuditList, (*Service).auditList),
}

func (s *Service) auditList(ctx context.Context, c *call, q api.AuditQuery) ([]api.AuditEvent, error) {
	if len(q.User) > 254 || len(q.Op) > maxOpFilter {
		return nil, fault.New(fault.Usage, "audit filter too long: a user has at most 254 characters, an operation %d", maxOpFilter)
	}
	var out []api.AuditEvent
	err := s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		var err error
		out, err = listAudit(tx, c.acct.ID, q.Since, q.Limit, auditFilter(q))
		return err
	})
	return out, err
}

// maxOpFilter bounds the operation filter (names are short: "secret.set-kid").
const maxOpFilter = 64

// auditFilter keeps the events of q.User (any case) and of q.Op: an exact
// operation name, or every operation of a group ("pin." or "pin" both
// select pin.push, pin.pull…).
func auditFilter(q api.AuditQuery) func(api.AuditEvent) bool {
	user, op := normUser(q.User), strings.TrimSuffix(q.Op, ".")
	return func(ev api.AuditEvent) bool {
		if user != "" && normUser(ev.User) != user {
			return false
		}
		return op == "" || ev.Op == op || strings.HasPrefix(ev.Op, op+".")
	}
}

// mutateEvent is mutate for handlers that say what changed: fn fills in
// the event's detail, versions or reason (never a secret), which are
// recorded with the outcome; a failure is recorded without them. fn may be
// run again (store.Update retries conflicts): it sets the fields anew.
func (s *Service) mutateEvent(ctx context.Context, c *call, target string, fn func(tx store.Tx, e *event) error) error {
	err := s.update(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		e := event{user: c.sess.User, role: c.sess.Role, op: c.op.Name, target: target, outcome: outcomeOK}
		if err := fn(tx, &e); err != nil {
			return err
		}
		return s.record(tx, c.acct.ID, e)
	})
	if err != nil {
		s.recordAlone(ctx, c.acct.ID, event{user: c.sess.User, role: c.sess.Role, op: c.op.Name, target: target, outcome: "failed: " + fault.KindOf(err).String()})
	}
	return err
}
