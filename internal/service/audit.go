package service

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/approov-cli/approov/internal/api"
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
	ev := auditRec{Seq: seq, Time: now, User: e.user, Role: e.role, Op: e.op, Target: e.target, Outcome: e.outcome}
	return putJSON(tx, store.Audit, auditKey(account, now, seq), ev)
}

// auditRec is an audit event as stored (the service's own type: the wire's
// api.AuditEvent is made from it).
type auditRec struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	User    string    `json:"user"`
	Role    role.Role `json:"role"`
	Op      string    `json:"op"`
	Target  string    `json:"target"`
	Outcome string    `json:"outcome"`
}

func (r auditRec) wire() api.AuditEvent {
	return api.AuditEvent{Seq: r.Seq, Time: r.Time, User: r.User, Role: r.Role, Op: r.Op, Target: r.Target, Outcome: r.Outcome}
}

// recordAlone appends e in its own transaction: for failures, whose own
// transaction was rolled back. An unknown account has no log to write to.
func (s *Service) recordAlone(ctx context.Context, account string, e event) {
	_ = s.update(ctx, func(tx store.Tx) error {
		if _, err := loadAccount(tx, account); err != nil {
			return err
		}
		return s.record(tx, account, e)
	})
}

// listAudit returns events at or after since, oldest first, at most limit,
// reading only the events it returns.
func listAudit(tx store.Tx, account string, since time.Time, limit int) ([]api.AuditEvent, error) {
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
		if out = append(out, ev.wire()); len(out) >= limit {
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
	var out []api.AuditEvent
	err := s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		var err error
		out, err = listAudit(tx, c.acct.ID, q.Since, q.Limit)
		return err
	})
	return out, err
}
