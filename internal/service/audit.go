package service

import (
	"context"
	"encoding/json"
	"fmt"
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
	// detail says what changed; fromVersion and toVersion bracket a
	// versioned change; reason is a forced push's.
	detail      string
	fromVersion int64
	toVersion   int64
	reason      string
}

// record appends e to the account's audit log inside tx.
func (s *Service) record(tx store.Tx, account string, e event) error {
	seq, err := tx.NextSeq(store.Audit)
	if err != nil {
		return err
	}
	ev := api.AuditEvent{Seq: seq, Time: s.now(), User: e.user, Role: e.role, Op: e.op, Target: e.target, Outcome: e.outcome,
		Detail: e.detail, FromVersion: e.fromVersion, ToVersion: e.toVersion, Reason: e.reason}
	return putJSON(tx, store.Audit, auditKey(account, seq), ev)
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

func auditKey(account string, seq uint64) string { return fmt.Sprintf("%s\x00%020d", account, seq) }

// listAudit returns events at or after since, oldest first, at most limit.
func listAudit(tx store.Tx, account string, since time.Time, limit int) ([]api.AuditEvent, error) {
	if limit <= 0 || limit > maxAuditList {
		limit = maxAuditList
	}
	out := []api.AuditEvent{}
	err := tx.Scan(store.Audit, account+"\x00", func(_ string, v []byte) error {
		var ev api.AuditEvent
		if err := json.Unmarshal(v, &ev); err != nil {
			return err
		}
		if !ev.Time.Before(since) {
			out = append(out, ev)
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
