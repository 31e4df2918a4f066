package service

import (
	"testing"

	"github.com/approov-cli/approov/internal/api"
)

// TestEveryOperationServed: each operation of internal/api has a handler in
// one domain file's ops table, and each handler serves an operation of it.
func TestEveryOperationServed(t *testing.T) {
	for _, op := range api.Operations() {
		e, ok := endpoints[op.Name]
		if !ok {
			t.Errorf("operation %s has no handler: add serve(api.Op…, (*Service).…) to its domain's ops table", op.Name)
		} else if e.op != op {
			t.Errorf("handler for %s is bound to another definition %+v", op.Name, e.op)
		}
	}
	if len(endpoints) != len(api.Operations()) {
		t.Errorf("%d handlers for %d operations", len(endpoints), len(api.Operations()))
	}
}
