package attestsim_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/attestsim"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/installkey"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// TestMain stops the private PostgreSQL cluster the tests start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// tally is what the metrics must say of the traffic, computed by the test
// from what it sent and the documented default policy (reject rooted,
// emulator, instrumentation; report the other properties as risky).
type tally struct {
	by    map[string]map[string]int64
	total int64
	seen  map[string]bool // installation ids
}

func (t *tally) add(outcome string, reasons []string, platform, version string) {
	if len(reasons) == 0 {
		reasons = []string{"none"}
	}
	for by, keys := range map[string][]string{"outcome": {outcome}, "reason": reasons, "platform": {platform},
		"version": {version}, "network": {"127.0.0.0/24"}} {
		if t.by[by] == nil {
			t.by[by] = map[string]int64{}
		}
		for _, k := range keys {
			t.by[by][k]++
		}
	}
	t.total++
}

// expect is the outcome and reasons of one attestation under the default policy.
func expect(registered bool, d api.DeviceProperties) (string, []string) {
	var fail, props []string
	if !registered {
		fail = append(fail, "unregistered")
	}
	for _, p := range []struct {
		name   string
		on     bool
		reject bool
	}{{"rooted", d.Rooted, true}, {"debugger", d.Debugger, false}, {"emulator", d.Emulator, true}} {
		if p.on {
			props = append(props, p.name)
			if p.reject {
				fail = append(fail, p.name)
			}
		}
	}
	switch {
	case len(fail) > 0:
		return "fail", fail
	case len(props) > 0:
		return "pass-risky", props
	}
	return "pass", nil
}

// TestMetricsEqualTrafficThroughApproovd: simulated apps of four builds
// (three registered, one not) on devices with and without risky
// properties attest through approovd; the metrics it then answers equal the
// traffic exactly, and the store holds no installation id.
func TestMetricsEqualTrafficThroughApproovd(t *testing.T) {
	dir := t.TempDir()
	opts := service.Options{Params: backendtest.CheapParams}
	inst := servertest.Start(t, servertest.Options{Dir: dir, Service: opts})
	created := inst.Account(t, opts, "acme")
	b, err := remote.Open(created.Account, created.Fingerprint, remote.Options{URLs: []string{inst.Location()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{ctx: context.Background(), b: b, admin: servertest.Onboard(t, b, created.Invitation.Code), account: created.Account}
	checkMetricsTraffic(t, r, func() []byte {
		raw, err := os.ReadFile(filepath.Join(dir, "approovd.db"))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	})
}

// TestMetricsEqualTrafficPostgres: the same traffic through the service on
// PostgreSQL, searching a dump of its table.
func TestMetricsEqualTrafficPostgres(t *testing.T) {
	ctx, url := context.Background(), pgtest.URL(t)
	pg, err := postgres.Create(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	svc := service.New(pg, service.Options{Params: backendtest.CheapParams, Location: []string{"https://approovd.example.com"}})
	created, err := svc.CreateAccount(ctx, service.CreateAccountRequest{Name: "acme", FirstUser: "owner@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	b := backend.NewClient(peer{svc}, backend.ClientOptions{Account: created.Account, Fingerprint: created.Fingerprint})
	r := &rig{ctx: ctx, b: b, admin: servertest.Onboard(t, b, created.Invitation.Code), account: created.Account}
	checkMetricsTraffic(t, r, func() []byte { return dumpTable(t, url) })
}

// peer hands requests to the service as from a client at 127.0.0.1.
type peer struct{ svc *service.Service }

func (p peer) Exchange(ctx context.Context, _ api.Operation, req *auth.Request) (*auth.Response, error) {
	req.ClientAddr = "127.0.0.1"
	return p.svc.Serve(ctx, req), nil
}

func dumpTable(t *testing.T, url string) []byte {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT bucket, key, value FROM approov_kv")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for rows.Next() {
		var bucket string
		var k, v []byte
		if err := rows.Scan(&bucket, &k, &v); err != nil {
			t.Fatal(err)
		}
		out.WriteString(bucket + "\t" + string(k) + "\t" + string(v) + "\n")
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return out.Bytes()
}

// checkMetricsTraffic drives the traffic through r, compares every
// breakdown of the metrics with it, and searches the store's bytes.
func checkMetricsTraffic(t *testing.T, r *rig, storeBytes func() []byte) {
	secret := r.secret(t)
	start := time.Now().UTC()
	want := drive(t, r, secret)
	end := time.Now().UTC()
	for by, keys := range want.by {
		m, err := backend.Call(r.ctx, r.b, api.OpMetrics, r.admin, api.MetricsQuery{Since: start.Add(-time.Hour), Until: end.Add(time.Hour), By: by})
		if err != nil {
			t.Fatal(err)
		}
		if m.Total != want.total || len(m.Series) != len(keys) {
			t.Errorf("by %s: %d attestations in %d series %v, want %d in %v", by, m.Total, len(m.Series), m.Series, want.total, keys)
		}
		for _, s := range m.Series {
			if s.Total != keys[s.Key] {
				t.Errorf("by %s, %q: %d, want %d", by, s.Key, s.Total, keys[s.Key])
			}
		}
		checkUnique(t, m, len(want.seen), start, end)
	}
	raw := storeBytes()
	for id := range want.seen {
		if i := bytes.Index(raw, []byte(id)); i >= 0 {
			t.Fatalf("installation id %s is in the store: %q", id, raw[max(0, i-80):i+60])
		}
	}
	if !bytes.Contains(raw, []byte("127.0.0.0/24")) {
		t.Error("the truncated network is not in the store's bytes: is the search reading them?")
	}
}

// checkUnique: every installation counted once today (a run across
// midnight UTC counts an installation on each day it attested).
func checkUnique(t *testing.T, m api.Metrics, n int, start, end time.Time) {
	t.Helper()
	var days int64
	for _, d := range m.Days {
		days += d.Installations
	}
	if start.YearDay() == end.YearDay() && days != int64(n) {
		t.Errorf("days %+v: want %d unique installations", m.Days, n)
	}
	if days < int64(n) {
		t.Errorf("days %+v: fewer than %d unique installations", m.Days, n)
	}
}

// drive sends the traffic and checks each answer against the expectation:
// a pass is a token the backend accepts, a failure one it refuses.
func drive(t *testing.T, r *rig, secret []byte) *tally {
	builds := []struct {
		file       string
		registered bool
	}{{"android/v2-only.apk", true}, {"android/bundle.aab", true}, {"ios/adhoc.ipa", true}, {"android/v2-ec.apk", false}}
	devices := []api.DeviceProperties{{}, {Rooted: true}, {Debugger: true}, {Emulator: true, Debugger: true}, {}}
	want := &tally{by: map[string]map[string]int64{}, seen: map[string]bool{}}
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, bld := range builds {
		m := measure(t, "../../testdata/apps/"+bld.file)
		if bld.registered {
			if _, err := backend.Call(r.ctx, r.b, api.OpRegistrationAdd, r.admin, api.AddRegistrationRequest{Measurement: m}); err != nil {
				t.Fatal(err)
			}
		}
		for _, dev := range devices {
			app, err := attestsim.New(r.account, m, installkey.Ed25519)
			if err != nil {
				t.Fatal(err)
			}
			app.Device = dev
			want.seen[app.ID()] = true
			for range 1 + rnd.IntN(3) {
				attestOnce(t, r, app, bld.registered, secret, want)
			}
		}
	}
	return want
}

func attestOnce(t *testing.T, r *rig, app *attestsim.App, registered bool, secret []byte, want *tally) {
	t.Helper()
	out, err := app.Attest(r.ctx, r.b)
	if err != nil {
		t.Fatal(err)
	}
	outcome, reasons := expect(registered, app.Device)
	if backendAccepts(out.Token, secret) != (outcome != "fail") {
		t.Fatalf("%s on %+v: outcome %s expected, token accepted %v", app.Measurement.AppID, app.Device, outcome, !backendAccepts(out.Token, secret))
	}
	platform, version := "android", app.Measurement.Version
	if app.Measurement.Format == "ipa" {
		platform = "ios"
	}
	if version == "" {
		version = strconv.FormatInt(app.Measurement.VersionCode, 10)
	}
	want.add(outcome, reasons, platform, app.Measurement.AppID+" "+version)
}
