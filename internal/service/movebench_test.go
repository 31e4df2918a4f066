package service_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
	"github.com/approov-cli/approov/internal/storedump"
)

// BenchmarkStoreMove times, for one account of MOVE_RECORDS (default
// 10,000) registration-sized records of 1 KiB on a bbolt store: its dump
// (export and encode), its restore into PostgreSQL (parse and import, one
// transaction), and the copy of the whole store bolt → PostgreSQL with
// its verification. docs/bench/store-move.sh runs it once and prints the
// figures; each is reported as ms and records/s.
func BenchmarkStoreMove(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("MOVE_RECORDS"))
	if n <= 0 {
		n = 10000
	}
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "src.db")
	bolt, err := store.CreateBolt(path, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer bolt.Close()
	h := newHarnessOn(b, bolt, "local:"+path, nil)
	seedRecords(b, bolt, n)
	for b.Loop() {
		var buf bytes.Buffer
		figure(b, "dump", n, func() error {
			d, err := h.svc.ExportAccount(ctx, "acme")
			if err == nil {
				err = storedump.Encode(&buf, d)
			}
			return err
		})
		pg := newPG(b)
		figure(b, "restore", n, func() error {
			d, err := storedump.Parse(bytes.NewReader(buf.Bytes()))
			if err == nil {
				err = service.New(pg, service.Options{}).ImportAccount(ctx, d, false)
			}
			return err
		})
		pg2 := newPG(b)
		figure(b, "copy", n, func() error {
			sum, err := store.Copy(ctx, bolt, pg2)
			if err == nil {
				var got store.Summary
				if got, err = store.Summarize(ctx, pg2); err == nil && got != sum {
					err = fmt.Errorf("copy does not verify")
				}
			}
			return err
		})
		b.ReportMetric(float64(buf.Len())/(1<<20), "dump-MiB")
	}
}

func seedRecords(b *testing.B, st store.Store, n int) {
	value := bytes.Repeat([]byte("r"), 1024)
	for i := 0; i < n; i += 1000 {
		err := st.Update(context.Background(), func(tx store.Tx) error {
			for j := i; j < min(i+1000, n); j++ {
				if err := tx.Put(store.Registrations, fmt.Sprintf("acme\x00m%08d", j), value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func newPG(b *testing.B) store.Store {
	pg, err := postgres.Create(context.Background(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pg.Close() })
	return pg
}

// figure times fn and reports it as NAME-ms and NAME-records/s.
func figure(b *testing.B, name string, n int, fn func() error) {
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	d := time.Since(start)
	b.ReportMetric(float64(d.Milliseconds()), name+"-ms")
	b.ReportMetric(float64(n)/d.Seconds(), name+"-records/s")
}
