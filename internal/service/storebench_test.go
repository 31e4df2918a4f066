package service_test

import (
	"context"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// BenchmarkStores is one signed service request in a live admin session
// on each store, in-process (no HTTP): whoami reads the session and user
// (its store writes are the replay cache's), users.add also writes a user,
// a code and audit. Each parallel client has a session of its own. docs/bench/store-postgres.sh runs it and prints
// requests per second; run with -cpu to add concurrent clients. A
// request that lost every retry to a concurrent one counts in conflicts/op.
func BenchmarkStores(b *testing.B) {
	stores := map[string]func(b *testing.B) (store.Store, string){
		"bolt": func(b *testing.B) (store.Store, string) {
			path := filepath.Join(b.TempDir(), "acme.db")
			st, err := store.CreateBolt(path, 0)
			if err != nil {
				b.Fatal(err)
			}
			return st, "local:" + path
		},
		"postgres": func(b *testing.B) (store.Store, string) {
			st, err := postgres.Create(context.Background(), pgtest.URL(b))
			if err != nil {
				b.Fatal(err)
			}
			return st, "https://approovd.example.com"
		},
	}
	for _, name := range []string{"bolt", "postgres"} {
		for _, op := range []string{"whoami", "users.add"} {
			b.Run(name+"/"+op, func(b *testing.B) {
				st, loc := stores[name](b)
				defer st.Close()
				h := newHarnessOn(b, st, loc, nil)
				h.enrol()
				sessions := make(chan backend.Caller, runtime.GOMAXPROCS(0))
				for range cap(sessions) { // a session each, opened one by one
					c, err := h.login("owner@example.com", role.Admin, "pw-admin")
					if err != nil {
						b.Fatal(err)
					}
					sessions <- c
				}
				var conflicts atomic.Int64
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					c := <-sessions
					for pb.Next() {
						var err error
						if op == "whoami" {
							_, err = h.b.WhoAmI(h.ctx, c)
						} else {
							_, err = h.b.AddUser(h.ctx, c, api.AddUserRequest{Email: auth.NewNonce() + "@example.com", Roles: []role.Role{role.Dev}})
						}
						if fault.KindOf(err) == fault.Conflict {
							conflicts.Add(1) // gave up after store.MaxAttempts
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
