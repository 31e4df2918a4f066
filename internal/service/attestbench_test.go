package service_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/attestsim"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/installkey"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// BenchmarkAttest is one attestation, in-process (no HTTP), on each store:
// a registered build (pass) or an unregistered one (fail), from a pool of
// installations per parallel client. Each writes the replay cache, the
// latest-installation rows and the metrics; docs/bench/attest.sh runs it
// with -cpu 1,2 (4 clients per CPU) and prints attestations per second. An attestation that
// lost every retry to a concurrent one counts in conflicts/op.
func BenchmarkAttest(b *testing.B) {
	for _, name := range []string{"bolt", "postgres"} {
		for _, outcome := range []string{"pass", "fail"} {
			b.Run(name+"/"+outcome, func(b *testing.B) {
				h := attestHarness(b, name)
				m := benchMeasurement()
				if outcome == "pass" {
					admin, err := h.login("owner@example.com", role.Admin, "pw-admin")
					if err != nil {
						b.Fatal(err)
					}
					if _, err := backend.Call(h.ctx, h.b, api.OpRegistrationAdd, admin, api.AddRegistrationRequest{Measurement: m}); err != nil {
						b.Fatal(err)
					}
				}
				b.SetParallelism(clientsPerCPU)
				pools := make(chan []*attestsim.App, clientsPerCPU*runtime.GOMAXPROCS(0))
				for range cap(pools) {
					pools <- appPool(b, m, h.clock.Now, 64)
				}
				var conflicts atomic.Int64
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					apps := <-pools
					for i := 0; pb.Next(); i++ {
						_, err := apps[i%len(apps)].Attest(h.ctx, h.b)
						if fault.KindOf(err) == fault.Conflict {
							conflicts.Add(1)
						} else if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
			})
		}
	}
}

// benchMeasurement is the build the attestation benchmarks and work tests
// attest with: an APK signed with one certificate.
func benchMeasurement() api.Measurement {
	return api.Measurement{Format: "apk", AppID: "com.example.app", VersionCode: 3, Version: "1.3", Scheme: "v2",
		Signers: []string{strings.Repeat("ab", 32)}, Digests: []string{"CHUNKED_SHA256:" + strings.Repeat("01", 32)},
		FileSHA256: strings.Repeat("cd", 32), FileName: "app.apk"}
}

// clientsPerCPU: concurrent apps per GOMAXPROCS, as a server sees many
// at once (and bolt's batching coalesces their commits).
const clientsPerCPU = 4

func attestHarness(b *testing.B, name string) *harness {
	if name == "postgres" {
		st, err := postgres.Create(context.Background(), pgtest.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		h := newHarnessOn(b, st, "https://approovd.example.com", nil)
		h.enrol()
		return h
	}
	path := filepath.Join(b.TempDir(), "acme.db")
	st, err := store.CreateBolt(path, 0)
	if err != nil {
		b.Fatal(err)
	}
	st.SetGroupCommit(true) // as approovd serve runs it
	b.Cleanup(func() { st.Close() })
	h := newHarnessOn(b, st, "local:"+path, nil)
	h.enrol()
	return h
}

func appPool(b *testing.B, m api.Measurement, now func() time.Time, n int) []*attestsim.App {
	apps := make([]*attestsim.App, n)
	for i := range apps {
		a, err := attestsim.New("acme", m, []string{installkey.Ed25519, installkey.P256}[i%2])
		if err != nil {
			b.Fatal(err)
		}
		a.Now = now
		apps[i] = a
	}
	return apps
}
