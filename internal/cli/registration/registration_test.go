package registration

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/appsig/ipa"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

func TestNewCmdAddFlags(t *testing.T) {
	tests := []struct {
		args  []string
		after time.Duration
		kind  fault.Kind
		ok    bool
	}{
		{[]string{"a.apk"}, 0, 0, true},
		{[]string{"a.apk", "b.ipa", "--expire-after", "30d"}, 30 * 24 * time.Hour, 0, true},
		{[]string{"a.apk", "--expire-after", "2w"}, 14 * 24 * time.Hour, 0, true},
		{[]string{"a.apk", "--expire-after", "36h"}, 36 * time.Hour, 0, true},
		{[]string{"a.apk", "--expire-after", "-1h"}, 0, fault.Usage, false},
		{[]string{"a.apk", "--expire-after", "soon"}, 0, fault.Usage, false},
		{[]string{}, 0, 0, false}, // cobra's own argument error
	}
	for _, tt := range tests {
		f, _ := clitest.Factory(clitest.Config{})
		var got *AddOptions
		err := clitest.Execute(NewCmdAdd(f, func(o *AddOptions) error { got = o; return nil }), tt.args...)
		if tt.ok != (err == nil) || (!tt.ok && tt.kind != 0 && fault.KindOf(err) != tt.kind) {
			t.Errorf("%v: err = %v", tt.args, err)
			continue
		}
		if tt.ok && (got.ExpireAfter != tt.after || len(got.Files) == 0) {
			t.Errorf("%v: options %+v", tt.args, got)
		}
	}
}

// record loads a fixture's committed golden record.
func record(t *testing.T, path string) *appsig.Record {
	t.Helper()
	raw, err := os.ReadFile("../../../testdata/apps/" + path)
	if err != nil {
		t.Fatal(err)
	}
	var rec appsig.Record
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(path, "ios/") { // the iOS goldens hold the ipa part alone
		rec = appsig.Record{Format: appsig.FormatIPA, Verified: true, FileName: "App.ipa", FileSHA256: strings.Repeat("0", 64), IPA: &ipa.Measurement{}}
		if err := json.Unmarshal(raw, rec.IPA); err != nil {
			t.Fatal(err)
		}
	}
	return &rec
}

func TestMeasurementOf(t *testing.T) {
	tests := []struct {
		golden, format, app, digest string
		signers                     int
	}{
		{"android/v2-only.apk.golden.json", "apk", "com.example.fixture", "CHUNKED_SHA256:", 1},
		{"android/v1-only.apk.golden.json", "apk", "com.example.fixture", "file-sha256:", 1},
		{"android/bundle.aab.golden.json", "aab", "com.example.bundle", "entries-sha256:", 1},
		{"ios/adhoc.golden.json", "ipa", "com.example.fixture", "cdhash-sha256:", 0},
		{"ios/cms.golden.json", "ipa", "com.example.fixture", "cdhash-sha256:", 1},
	}
	for _, tt := range tests {
		rec := record(t, tt.golden)
		m := measurementOf(rec)
		if m.Format != tt.format || m.AppID != tt.app || len(m.Signers) != tt.signers || len(m.Digests) == 0 || !strings.HasPrefix(m.Digests[0], tt.digest) {
			t.Errorf("%s: %+v", tt.golden, m)
		}
		if m.FileSHA256 != rec.FileSHA256 || m.FileName != rec.FileName {
			t.Errorf("%s: file fields %+v", tt.golden, m)
		}
	}
}

// fakeInspect verifies any file but those named "bad*".
func fakeInspect(_ context.Context, path string, _ appsig.Options) (*appsig.Record, error) {
	rec := record(&testing.T{}, "android/v2-only.apk.golden.json")
	if strings.HasPrefix(path, "bad") {
		rec.Verified, rec.Problem = false, "signature does not verify"
		return rec, fault.New(fault.Invalid, "signature does not verify")
	}
	rec.FileName = path
	return rec, nil
}

func TestRunAddRefusesUnverifiedAndGoesOn(t *testing.T) {
	fake := &backendtest.Fake{}
	var sent []api.AddRegistrationRequest
	backendtest.On(fake, api.OpRegistrationAdd, func(_ backend.Caller, req api.AddRegistrationRequest) (api.RegistrationAdded, error) {
		sent = append(sent, req)
		return api.RegistrationAdded{Outcome: api.RegAdded, Registration: api.Registration{ID: "0123456789abcdef", Measurement: req.Measurement}}, nil
	})
	f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake, role.Dev)})
	cmd := NewCmdAdd(f, func(o *AddOptions) error {
		o.Inspect = fakeInspect
		return runAdd(context.Background(), o)
	})
	err := clitest.Execute(cmd, "good.apk", "bad.apk", "other.apk", "--expire-after", "1h")
	if fault.KindOf(err) != fault.Invalid {
		t.Fatalf("err = %v, want Invalid (exit 6)", err)
	}
	names := []string{}
	for _, r := range sent {
		names = append(names, r.Measurement.FileName)
		if r.ExpireAfter != time.Hour {
			t.Errorf("expire-after not sent: %+v", r)
		}
	}
	if !slices.Equal(names, []string{"good.apk", "other.apk"}) {
		t.Fatalf("sent %v: the unverified file must not be sent, the others must", names)
	}
	if !strings.Contains(s.ErrOut.String(), "bad.apk: signature does not verify") || strings.Count(s.Out.String(), "added, id 0123456789abcdef") != 2 {
		t.Fatalf("out %q err %q", s.Out, s.ErrOut)
	}
}

func TestRunRemoveNeedsYesWithoutTerminal(t *testing.T) {
	fake := &backendtest.Fake{}
	var got []api.RemoveRegistrationRequest
	backendtest.On(fake, api.OpRegistrationRemove, func(_ backend.Caller, req api.RemoveRegistrationRequest) (api.RemovedRegistrations, error) {
		got = append(got, req)
		return api.RemovedRegistrations{Removed: []string{req.ID}}, nil
	})
	for _, tt := range []struct {
		args []string
		kind fault.Kind
		sent int
	}{
		{[]string{"aaaa"}, fault.Usage, 0},
		{[]string{"aaaa", "bbbb", "--yes"}, 0, 2},
		{[]string{"--expired", "--yes"}, 0, 1},
		{[]string{"aaaa", "--expired", "--yes"}, fault.Usage, 0},
	} {
		got = nil
		f, _ := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake, role.Dev)})
		err := clitest.Execute(NewCmdRemove(f, nil), tt.args...)
		if (tt.kind == 0) != (err == nil) || (err != nil && fault.KindOf(err) != tt.kind) || len(got) != tt.sent {
			t.Errorf("%v: err %v, sent %+v", tt.args, err, got)
		}
	}
}
