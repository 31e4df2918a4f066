package service

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

var metricsT0 = time.Date(2026, 11, 30, 22, 17, 0, 0, time.UTC)

// traffic is simulated attestations and what the metrics must say of them.
type traffic struct {
	facts  []attestationFact
	hours  map[time.Time]hourCounts
	days   map[string]map[string]bool // yyyymmdd → raw installation ids
	months map[string]map[string]bool
}

// simulate makes n attestations over about 30 hours from t0, across
// outcomes, reasons, platforms, apps, versions, installations and addresses.
func simulate(n int, seed uint64) *traffic { return simulateFrom(metricsT0, 30*time.Hour, n, seed) }

func simulateFrom(t0 time.Time, span time.Duration, n int, seed uint64) *traffic {
	r := rand.New(rand.NewPCG(seed, 7))
	tr := &traffic{hours: map[time.Time]hourCounts{}, days: map[string]map[string]bool{}, months: map[string]map[string]bool{}}
	outcomes := []string{OutcomePass, OutcomePassRisky, OutcomeFail}
	reasons := [][]string{nil, {"rooted"}, {"unregistered"}, {"debugger", "rooted"}, {"emulator"}}
	for i := range n {
		f := attestationFact{At: t0.Add(time.Duration(r.Int64N(int64(span/time.Second))) * time.Second), Outcome: outcomes[r.IntN(3)],
			Platform: []string{"android", "ios"}[r.IntN(2)], AppID: fmt.Sprintf("com.example.app%d", r.IntN(2)),
			AppVersion: fmt.Sprintf("1.%d", r.IntN(3)), Installation: fmt.Sprintf("install-%04d-raw", r.IntN(200)),
			ClientAddr: []string{fmt.Sprintf("198.51.100.%d", 1+i%250), fmt.Sprintf("2001:db8:%x:77::%x", r.IntN(4), 1+i)}[r.IntN(2)]}
		if f.Outcome != OutcomePass {
			f.Reasons = reasons[1+r.IntN(len(reasons)-1)]
		}
		tr.add(f)
	}
	return tr
}

func (tr *traffic) add(f attestationFact) {
	tr.facts = append(tr.facts, f)
	h := metricsHour(f.At)
	if tr.hours[h] == nil {
		tr.hours[h] = hourCounts{}
	}
	tr.hours[h][factDims(f)]++
	mark(tr.days, f.At.Format("20060102"), f.Installation)
	mark(tr.months, f.At.Format("200601"), f.Installation)
}

func mark(m map[string]map[string]bool, period, id string) {
	if m[period] == nil {
		m[period] = map[string]bool{}
	}
	m[period][id] = true
}

func metricsService(t *testing.T, st store.Store) *Service {
	return New(st, Options{Now: func() time.Time { return metricsT0.Add(48 * time.Hour) }})
}

func boltStore(t *testing.T) (*store.Bolt, string) {
	path := filepath.Join(t.TempDir(), "m.db")
	st, err := store.CreateBolt(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func pgStore(t *testing.T) (*postgres.Store, string) {
	url := pgtest.URL(t)
	st, err := postgres.Create(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, url
}

// record writes the facts with writers concurrent writers, one
// transaction per attestation, and fails on any error a user would see.
func record(t *testing.T, s *Service, facts []attestationFact, writers int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(facts))
	for w := range writers {
		wg.Go(func() {
			for i := w; i < len(facts); i += writers {
				errs <- s.update(context.Background(), func(tx store.Tx) error { return s.recordAttestation(tx, "acme", facts[i]) })
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("attestation lost: %v", err)
		}
	}
}

// checkTraffic compares the stored metrics with the traffic, exactly.
func checkTraffic(t *testing.T, s *Service, tr *traffic) {
	t.Helper()
	err := s.view(context.Background(), func(tx store.Tx) error {
		got, err := readHours(tx, "acme", metricsT0.Add(-time.Hour), metricsT0.Add(50*time.Hour))
		if err != nil {
			return err
		}
		compareHours(t, got, tr.hours)
		compareUnique(t, tx, "d", "20060102", tr.days)
		compareUnique(t, tx, "m", "200601", tr.months)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func compareHours(t *testing.T, got, want map[time.Time]hourCounts) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d hours with attestations, want %d", len(got), len(want))
	}
	for h, wc := range want {
		if len(got[h]) != len(wc) {
			t.Errorf("%v: %d combinations, want %d", h, len(got[h]), len(wc))
		}
		for d, n := range wc {
			if got[h][d] != n {
				t.Errorf("%v %+v: %d attestations, want %d", h, d, got[h][d], n)
			}
		}
	}
}

func compareUnique(t *testing.T, tx store.Tx, kind, layout string, want map[string]map[string]bool) {
	t.Helper()
	got, err := countUnique(tx, "acme", kind, layout, "0", "9")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d periods, want %d", kind, len(got), len(want))
	}
	for p, ids := range want {
		if got[p] != int64(len(ids)) {
			t.Errorf("%s %s: %d unique installations, want %d", kind, p, got[p], len(ids))
		}
	}
}

func TestMetricsEqualTrafficBolt(t *testing.T) {
	st, path := boltStore(t)
	s := metricsService(t, st)
	tr := simulate(1500, 1)
	record(t, s, tr.facts, 8)
	checkTraffic(t, s, tr)
	compactAll(t, s)
	checkTraffic(t, s, tr)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkNoRawIdentifiers(t, raw, tr)
}

func TestMetricsEqualTrafficPostgres(t *testing.T) {
	st, url := pgStore(t)
	s := metricsService(t, st)
	tr := simulate(600, 2)
	record(t, s, tr.facts, 8)
	checkTraffic(t, s, tr)
	compactAll(t, s)
	more := simulate(200, 3) // after compaction: roll-ups and rows together
	record(t, s, more.facts, 4)
	for _, f := range more.facts {
		tr.add(f)
	}
	checkTraffic(t, s, tr)
	checkNoRawIdentifiers(t, dumpTable(t, url), tr)
}

// TestMetricsCompactionDuringTraffic: compaction running while attestations
// are written loses none of them and fails none.
func TestMetricsCompactionDuringTraffic(t *testing.T) {
	for _, name := range []string{"bolt", "postgres"} {
		t.Run(name, func(t *testing.T) {
			var st store.Store
			if name == "bolt" {
				st, _ = boltStore(t)
			} else {
				st, _ = pgStore(t)
			}
			s := metricsService(t, st)
			tr := simulate(400, 4)
			record(t, s, tr.facts, 4)
			// compaction rolls up the past while the current hour's traffic arrives
			now := simulateFrom(s.now().Truncate(time.Hour), 30*time.Minute, 300, 5)
			for _, f := range now.facts {
				tr.add(f)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				compactAll(t, s)
			}()
			record(t, s, now.facts, 4)
			<-done
			checkTraffic(t, s, tr)
		})
	}
}

func compactAll(t *testing.T, s *Service) {
	if err := s.compactAccount(context.Background(), "acme"); err != nil {
		t.Errorf("compaction: %v", err)
	}
}

// checkNoRawIdentifiers searches raw store bytes for any installation id
// and any full client address of the traffic.
func checkNoRawIdentifiers(t *testing.T, raw []byte, tr *traffic) {
	t.Helper()
	for _, f := range tr.facts {
		if bytes.Contains(raw, []byte(f.Installation)) {
			t.Fatalf("raw installation id %q is in the store", f.Installation)
		}
		if bytes.Contains(raw, []byte(f.ClientAddr)) && !strings.HasSuffix(f.ClientAddr, ".0") {
			t.Fatalf("full client address %q is in the store", f.ClientAddr)
		}
	}
	if !bytes.Contains(raw, []byte("198.51.100.0/24")) {
		t.Error("the truncated network is not in the store: is the search looking at the right bytes?")
	}
}

// dumpTable is every bucket, key and value of the PostgreSQL store.
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
		var b string
		var k, v []byte
		if err := rows.Scan(&b, &k, &v); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s\t%s\t%s\n", b, k, v)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return out.Bytes()
}

func TestTruncateAddr(t *testing.T) {
	tests := map[string]string{
		"203.0.113.77":              "203.0.113.0/24",
		"203.0.113.77:4431":         "203.0.113.0/24",
		"::ffff:203.0.113.77":       "203.0.113.0/24",
		"2001:db8:abcd:12:1::9":     "2001:db8:abcd::/48",
		"[2001:db8:abcd:12::9]:443": "2001:db8:abcd::/48",
		"fe80::1%eth0":              "fe80::/48",
		"":                          "",
		"not an address":            "",
		"203.0.113.0/24":            "",
	}
	for in, want := range tests {
		if got := truncateAddr(in); got != want {
			t.Errorf("truncateAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFactDims(t *testing.T) {
	d := factDims(attestationFact{Outcome: "weird", Reasons: []string{"rooted", "a,b", "rooted", "", "debug\x1bger"},
		Platform: strings.Repeat("é", 100), AppVersion: "1.0\xff"})
	if d.Outcome != OutcomeFail || d.Reasons != "a_b,debug?ger,rooted" || d.Version != "1.0?" {
		t.Errorf("dims %+v", d)
	}
	if len(d.Platform) > maxFactField || !strings.HasPrefix(d.Platform, "éé") || strings.ContainsRune(d.Platform, '\uFFFD') {
		t.Errorf("platform not bounded cleanly: %q", d.Platform)
	}
}

func TestMaskInstallation(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	a, b := maskInstallation(k1, "device-1"), maskInstallation(k2, "device-1")
	if a == b || a != maskInstallation(k1, "device-1") || len(a) != 2*maskSize || a == maskInstallation(k1, "device-2") {
		t.Errorf("masks %s %s", a, b)
	}
}

// TestMetricsKeyKept: the masking key is made once and reused, so a device
// seen on two days counts once per day and once in the month.
func TestMetricsKeyKept(t *testing.T) {
	st, _ := boltStore(t)
	s := metricsService(t, st)
	tr := &traffic{hours: map[time.Time]hourCounts{}, days: map[string]map[string]bool{}, months: map[string]map[string]bool{}}
	for i := range 4 {
		tr.add(attestationFact{At: metricsT0.Add(time.Duration(i) * 12 * time.Hour), Outcome: OutcomePass, Installation: "same"})
	}
	record(t, s, tr.facts, 1)
	checkTraffic(t, s, tr)
}

// FuzzFactDims: whatever an SDK reports, a dimension is bounded, valid
// UTF-8 without control characters, and an address is kept as a /24 or /48
// network or not at all.
func FuzzFactDims(f *testing.F) {
	for _, s := range []string{"203.0.113.9", "[2001:db8::1]:443", "::ffff:1.2.3.4", "rooted,debugger", "\x00\xff\x1b[2J"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, s, addr string) {
		d := factDims(attestationFact{Outcome: s, Reasons: []string{s, s + "x"}, Platform: s, AppID: s, AppVersion: s, ClientAddr: addr})
		for _, v := range []string{d.Platform, d.AppID, d.Version} {
			if len(v) > maxFactField || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
				t.Fatalf("dimension %q", v)
			}
		}
		if d.Outcome != OutcomePass && d.Outcome != OutcomePassRisky && d.Outcome != OutcomeFail {
			t.Fatalf("outcome %q", d.Outcome)
		}
		if n := d.Network; n != "" && !strings.HasSuffix(n, "/24") && !strings.HasSuffix(n, "/48") {
			t.Fatalf("network %q of %q", n, addr)
		}
	})
}
