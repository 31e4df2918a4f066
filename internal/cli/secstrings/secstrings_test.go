package secstrings

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

// TestAddReadsTheValueFromStdinOnly: the value comes from stdin (one
// newline dropped), is bounded, and is never printed, not even in --json.
func TestAddReadsTheValueFromStdinOnly(t *testing.T) {
	tests := []struct {
		args  []string
		stdin string
		value string
		kind  fault.Kind
	}{
		{[]string{"maps-key", "--value-stdin"}, "s3cret-value\n", "s3cret-value", 0},
		{[]string{"maps-key", "--value-stdin", "--json"}, "s3cret-value", "s3cret-value", 0},
		{[]string{"maps-key"}, "s3cret-value\n", "", fault.Usage},
		{[]string{"maps-key", "--value-stdin"}, "\n", "", fault.Usage},
		{[]string{"maps-key", "--value-stdin"}, strings.Repeat("x", api.MaxSecStringValue+1), "", fault.Usage},
		{[]string{"maps-key", "--value-stdin"}, strings.Repeat("x", api.MaxSecStringValue), strings.Repeat("x", api.MaxSecStringValue), 0},
	}
	for _, tt := range tests {
		fake := &backendtest.Fake{}
		var sent []api.SecStringAddRequest
		backendtest.On(fake, api.OpSecStringsAdd, func(_ backend.Caller, req api.SecStringAddRequest) (api.SecString, error) {
			sent = append(sent, req)
			return api.SecString{Name: req.Name, SetBy: "owner@example.com"}, nil
		})
		f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake, role.Admin)})
		s.In.WriteString(tt.stdin)
		err := clitest.Execute(NewCmdAdd(f, nil), tt.args...)
		if tt.kind != 0 {
			if fault.KindOf(err) != tt.kind || len(sent) != 0 || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%v: %v (sent %d)", tt.args, err, len(sent))
			}
			continue
		}
		if err != nil || len(sent) != 1 || sent[0].Value != tt.value {
			t.Errorf("%v: %v, sent %d", tt.args, err, len(sent))
		}
		if strings.Contains(s.Out.String()+s.ErrOut.String(), "s3cret") {
			t.Errorf("%v: the value was printed", tt.args)
		}
	}
}
