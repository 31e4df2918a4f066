package backendtest

import (
	"context"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
)

func TestFake(t *testing.T) {
	f := &Fake{}
	On(f, api.OpAuditList, func(_ backend.Caller, q api.AuditQuery) ([]api.AuditEvent, error) {
		return []api.AuditEvent{{Seq: uint64(q.Limit)}}, nil
	})
	got, err := backend.Call(context.Background(), f, api.OpAuditList, backend.Caller{}, api.AuditQuery{Limit: 7})
	if err != nil || len(got) != 1 || got[0].Seq != 7 {
		t.Fatalf("Call through the fake = %+v, %v", got, err)
	}
	if _, err := backend.Call(context.Background(), f, api.OpUsersList, backend.Caller{}, api.Empty{}); fault.KindOf(err) != fault.Internal {
		t.Fatalf("an operation without an answer: %v", err)
	}
}
