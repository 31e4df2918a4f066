package backendtest

import (
	"testing"

	"github.com/approov-cli/approov/internal/api"
)

// TestEveryOperationHasACase: a new operation needs a conformance case that
// declares it (docs/project-layout.md, "How to add a service operation").
func TestEveryOperationHasACase(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range cases() {
		for _, op := range tc.ops {
			covered[op.Name] = true
		}
	}
	for _, op := range api.Operations() {
		if !covered[op.Name] {
			t.Errorf("operation %s is the subject of no backendtest case: add one to its subject file's cases table", op.Name)
		}
	}
}
