package device

import (
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

const id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

func TestAddRequest(t *testing.T) {
	tests := []struct {
		args []string
		want api.DeviceAddRequest
		kind fault.Kind
	}{
		{[]string{"latest", "--force-pass"}, api.DeviceAddRequest{Latest: true, Mode: api.DeviceForcePass}, 0},
		{[]string{id, "--force-fail", "--expires", "2h"}, api.DeviceAddRequest{ID: id, Mode: api.DeviceForceFail, ExpireAfter: 2 * time.Hour}, 0},
		{[]string{id, "--pentest", "--expires", "2d"}, api.DeviceAddRequest{ID: id, Mode: api.DevicePentest, ExpireAfter: 48 * time.Hour}, 0},
		{[]string{id}, api.DeviceAddRequest{}, fault.Usage},
		{[]string{id, "--pentest"}, api.DeviceAddRequest{}, fault.Usage},
		{[]string{id, "--force-pass", "--force-fail"}, api.DeviceAddRequest{}, fault.Usage},
		{[]string{id, "--force-pass", "--expires", "-1h"}, api.DeviceAddRequest{}, fault.Usage},
	}
	for _, tt := range tests {
		fake := &backendtest.Fake{}
		var sent []api.DeviceAddRequest
		backendtest.On(fake, api.OpDeviceAdd, func(_ backend.Caller, req api.DeviceAddRequest) (api.Device, error) {
			sent = append(sent, req)
			return api.Device{ID: "3f9a1c0be2d4", Mode: req.Mode}, nil
		})
		f, _ := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake, role.Admin)})
		err := clitest.Execute(NewCmdAdd(f, nil), tt.args...)
		if tt.kind != 0 {
			if fault.KindOf(err) != tt.kind || len(sent) != 0 {
				t.Errorf("%v: %v (sent %d), want %s", tt.args, err, len(sent), tt.kind)
			}
			continue
		}
		if err != nil || len(sent) != 1 || sent[0] != tt.want {
			t.Errorf("%v: %v, sent %+v, want %+v", tt.args, err, sent, tt.want)
		}
	}
}
