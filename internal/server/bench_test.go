package server_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/loadgen"
	"github.com/approov-cli/approov/internal/server/servertest"
	"github.com/approov-cli/approov/internal/service"
)

// BenchmarkSignedRead is a signed read (whoami) through the remote
// backend to an in-process approovd on loopback, many callers at once:
// the server's hot path for profiling (go test -bench SignedRead
// -cpuprofile). Client and server share the process, so the profile
// holds both; docs/bench/approovd.sh measures them apart.
func BenchmarkSignedRead(b *testing.B) {
	opts := service.Options{Params: cheap.Params, MaxNonces: 1 << 30}
	inst := servertest.Start(b, servertest.Options{Service: opts})
	created := inst.Account(b, opts, "acme")
	rb, err := remote.Open(created.Account, created.Fingerprint, remote.Options{URLs: []string{inst.Location()}, MaxConns: 64}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	code, err := auth.ParseCode(created.Invitation.Code)
	if err != nil {
		b.Fatal(err)
	}
	callers, err := loadgen.Onboard(ctx, rb, code, 8)
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		who := callers[int(n.Add(1))%len(callers)]
		for pb.Next() {
			if _, err := rb.WhoAmI(ctx, who); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
