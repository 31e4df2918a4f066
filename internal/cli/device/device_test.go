package device

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
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

// TestCompletionCache: list, add and remove keep the short ids that
// `device remove <TAB>` completes; remove drops the short id the service
// answers even when the override was named by installation id; a listing
// that changes nothing writes nothing.
func TestCompletionCache(t *testing.T) {
	fake := &backendtest.Fake{}
	list := []api.Device{{ID: "3f9a1c0be2d4", Mode: api.DeviceForcePass}, {ID: "0a1b2c3d4e5f", Mode: api.DeviceForceFail}}
	backendtest.On(fake, api.OpDeviceList, func(backend.Caller, api.Empty) ([]api.Device, error) { return list, nil })
	backendtest.On(fake, api.OpDeviceAdd, func(_ backend.Caller, req api.DeviceAddRequest) (api.Device, error) {
		return api.Device{ID: "77aa88bb99cc", Mode: req.Mode}, nil
	})
	backendtest.On(fake, api.OpDeviceRemove, func(_ backend.Caller, req api.DeviceRemoveRequest) (api.Device, error) {
		if req.ID != id {
			t.Errorf("removed %q", req.ID)
		}
		return api.Device{ID: "3f9a1c0be2d4"}, nil
	})
	m := logintest.LiveManager(t, fake, role.Admin)
	f, _ := clitest.Factory(clitest.Config{Auth: m})
	complete := func() []string {
		cmd := NewCmdRemove(f, nil)
		cmd.SetContext(context.Background())
		got, _ := cmd.ValidArgsFunction(cmd, nil, "")
		return got
	}
	must(t, clitest.Execute(NewCmdList(f, nil)))
	if got := complete(); !slices.Equal(got, []string{"0a1b2c3d4e5f", "3f9a1c0be2d4"}) {
		t.Fatalf("after list: %q", got)
	}
	s, err := m.Store()
	must(t, err)
	cache := filepath.Join(s.Dir(), "cache.json")
	before, err := os.ReadFile(cache)
	must(t, err)
	must(t, clitest.Execute(NewCmdList(f, nil), "--json"))
	if after, err := os.ReadFile(cache); err != nil || !bytes.Equal(before, after) {
		t.Errorf("an unchanged listing rewrote the cache (%v)", err)
	}
	must(t, clitest.Execute(NewCmdAdd(f, nil), "latest", "--force-pass"))
	must(t, clitest.Execute(NewCmdRemove(f, nil), id))
	if got := complete(); !slices.Equal(got, []string{"0a1b2c3d4e5f", "77aa88bb99cc"}) {
		t.Fatalf("after add and remove: %q", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
