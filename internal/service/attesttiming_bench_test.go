package service_test

import (
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/attestsim"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/installkey"
	"github.com/approov-cli/approov/internal/role"
)

// attestTurn is how many attestations run in a row with one outcome
// before the benchmark switches it: turns, so that a change of the
// machine's load falls on both outcomes alike.
const attestTurn = 10

// BenchmarkAttestPassFail times one installation of one build attesting in
// turns that pass and turns that fail, on each store. The outcome changes
// between turns by an admin change outside the timing: "registration" (the
// build registered, or not) or "policy" (a rooted device under a policy
// that allows root, or under strict). It reports the median and the 90th
// percentile of each outcome in microseconds (wall clock, what an app
// sees) and the mean CPU time of this process per attestation (user+sys,
// less swayed by the machine's load); docs/bench/attest.sh prints them.
// The work being the same is asserted by TestAttestWorkSameOnPassAndFail,
// never by a timing.
func BenchmarkAttestPassFail(b *testing.B) {
	for _, name := range []string{"bolt", "postgres"} {
		for _, by := range []string{"registration", "policy"} {
			b.Run(name+"/"+by, func(b *testing.B) {
				h := attestHarness(b, name)
				admin, err := h.login("owner@example.com", role.Admin, "pw-admin")
				if err != nil {
					b.Fatal(err)
				}
				accountLikeProduction(b, h, admin)
				app, err := attestsim.New("acme", benchMeasurement(), installkey.P256)
				if err != nil {
					b.Fatal(err)
				}
				app.Now, app.Device.Rooted = h.clock.Now, by == "policy"
				sw := &outcomeSwitch{h: h, admin: admin, by: by}
				if by == "policy" {
					sw.registered(b, true) // registered throughout: only the policy decides
				}
				times, cpu := timeTurns(b, h, app, sw)
				for i, outcome := range []string{"fail", "pass"} {
					b.ReportMetric(percentile(times[i], 50), outcome+"-p50-us")
					b.ReportMetric(percentile(times[i], 90), outcome+"-p90-us")
					b.ReportMetric(float64(cpu[i].Microseconds())/float64(max(1, len(times[i]))), outcome+"-cpu-us")
				}
			})
		}
	}
}

// accountLikeProduction gives the account what a team's has besides the
// build: a runtime secret and two auto-register certificates (covering
// other builds), which every attestation reads.
func accountLikeProduction(b *testing.B, h *harness, admin backend.Caller) {
	if _, err := backend.Call(h.ctx, h.b, api.OpSecStringsAdd, admin, api.SecStringAddRequest{Name: "maps-key", Value: "v"}); err != nil {
		b.Fatal(err)
	}
	for range 2 {
		if _, err := backend.Call(h.ctx, h.b, api.OpAppSignCertAdd, admin, api.AddAppSignCertRequest{DER: selfSigned(b), AutoRegister: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// timeTurns runs b.N attestations in turns of attestTurn, failing and
// passing, and returns their durations by outcome (0 fail, 1 pass). An
// answer whose secrets do not match the outcome intended fails the
// benchmark: the switch must have worked.
func timeTurns(b *testing.B, h *harness, app *attestsim.App, sw *outcomeSwitch) (times [2][]time.Duration, cpu [2]time.Duration) {
	for range 3 { // the installation's first attestations make its rows
		if _, err := app.Attest(h.ctx, h.b); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		pass := (i/attestTurn)%2 == 1
		if i%attestTurn == 0 {
			b.StopTimer()
			sw.set(b, pass)
			b.StartTimer()
		}
		start, cpu0 := time.Now(), processCPU()
		ans, err := app.Attest(h.ctx, h.b)
		d := time.Since(start)
		cpu[btoi(pass)] += processCPU() - cpu0
		if err != nil || (len(ans.Secrets) > 0) != pass {
			b.Fatalf("attestation %d (pass wanted: %v): %v, %d secrets", i, pass, err, len(ans.Secrets))
		}
		times[btoi(pass)] = append(times[btoi(pass)], d)
	}
	return times, cpu
}

// processCPU is this process's user+system CPU time: with bolt it is all
// of an attestation's work, with PostgreSQL the client's share.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// outcomeSwitch makes the benchmark's installation pass or fail by
// registering its build or not, or by the policy's view of root.
type outcomeSwitch struct {
	h     *harness
	admin backend.Caller
	by    string
	reg   string // the registration's id while registered
}

func (s *outcomeSwitch) set(b *testing.B, pass bool) {
	h := s.h
	switch {
	case s.by == "policy" && pass:
		setReject(b, h, s.admin, api.PropInstrumentation)
	case s.by == "policy":
		setReject(b, h, s.admin, api.Properties...)
	default:
		s.registered(b, pass)
	}
}

// registered registers the benchmark's build, or removes its registration.
func (s *outcomeSwitch) registered(b *testing.B, on bool) {
	h := s.h
	switch {
	case on && s.reg == "":
		out, err := backend.Call(h.ctx, h.b, api.OpRegistrationAdd, s.admin, api.AddRegistrationRequest{Measurement: benchMeasurement()})
		if err != nil {
			b.Fatal(err)
		}
		s.reg = out.Registration.ID
	case !on && s.reg != "":
		if _, err := backend.Call(h.ctx, h.b, api.OpRegistrationRemove, s.admin, api.RemoveRegistrationRequest{ID: s.reg}); err != nil {
			b.Fatal(err)
		}
		s.reg = ""
	}
}

// percentile is the p-th percentile of ds in microseconds (nearest rank).
func percentile(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := max(0, (len(s)*p+99)/100-1)
	return float64(s[i].Nanoseconds()) / 1e3
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
