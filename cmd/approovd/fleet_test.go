package main

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
	"github.com/approov-cli/approov/internal/testtool/cliproc"
)

// procFleet is n real approovd processes on one PostgreSQL database,
// sharing one state directory (one --dev certificate), behind a
// round-robin TCP balancer that the account's code names, as a load
// balancer in front of several instances would be; and approov processes
// with one ~/.approov joined to it. (These tests live here, not beside
// cmd/approov's, for their own test binary's time budget.)
type procFleet struct {
	dir   string
	env   []string
	db    string
	state string
	addrs []string
	procs []*exec.Cmd
	lb    *balancer
}

func startProcFleet(t *testing.T, n int) *procFleet {
	t.Helper()
	dir := t.TempDir()
	f := &procFleet{db: pgtest.URL(t), state: filepath.Join(dir, "state"), dir: dir,
		env: append(os.Environ(), "HOME="+dir, "APPROOV_HOME="+filepath.Join(dir, ".approov"), "NO_COLOR=1")}
	f.daemon(t, "store", "migrate", "--store", f.db)
	for i := range n {
		f.addrs = append(f.addrs, "")
		f.procs = append(f.procs, nil)
		f.serve(t, i, "127.0.0.1:0") // one by one: the first makes the certificate
	}
	f.lb = startBalancer(t, f.addrs)
	code := f.daemon(t, "account", "create", "--store", f.db, "--state-dir", f.state, "--name", "fleet",
		"--user", "owner@example.com", "--url", "https://"+f.lb.addr)
	if err := os.WriteFile(filepath.Join(dir, "owner.code"), []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	f.run(t, strings.NewReader("correct horse battery staple\n"), "init", "owner.code", "--password-stdin")
	return f
}

// daemon runs approovd to the end and returns its stdout.
func (f *procFleet) daemon(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("approovd", args...)
	cmd.Env, cmd.Dir = f.env, f.dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("approovd %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// serve starts instance i listening on addr and waits until it does.
func (f *procFleet) serve(t *testing.T, i int, addr string) {
	t.Helper()
	addrFile := filepath.Join(f.dir, fmt.Sprintf("addr%d-%d", i, time.Now().UnixNano()))
	cmd := exec.Command("approovd", "serve", "--dev", "--listen", addr, "--addr-file", addrFile,
		"--store", f.db, "--state-dir", f.state, "--log-format", "text")
	cmd.Env, cmd.Dir = f.env, f.dir
	log, err := os.Create(filepath.Join(f.dir, fmt.Sprintf("approovd%d.log", i)))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); log.Close() })
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			f.addrs[i], f.procs[i] = strings.TrimSpace(string(b)), cmd
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("approovd %d not listening after 15 s", i)
		}
	}
}

// kill ends instance i with SIGKILL: no shutdown, no answer to what it was doing.
func (f *procFleet) kill(i int) {
	f.procs[i].Process.Kill()
	f.procs[i].Wait()
}

// balancer forwards each connection to the next backend in turn, skipping
// one that does not accept (as a load balancer's health check would).
// Armed, it SIGKILLs the backend of the first connection to carry more
// than a threshold of bytes from its client, after a delay.
type balancer struct {
	addr     string
	backends []string
	next     atomic.Int64
	mu       sync.Mutex
	trap     *trap
}

type trap struct {
	bytes int64
	delay time.Duration
	kill  func(backend int)
	fired chan int
}

func startBalancer(t *testing.T, backends []string) *balancer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	b := &balancer{addr: ln.Addr().String(), backends: slices.Clone(backends)} // restarts keep the addresses
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go b.forward(c)
		}
	}()
	return b
}

func (b *balancer) forward(c net.Conn) {
	defer c.Close()
	for range len(b.backends) {
		i := int(b.next.Add(1)) % len(b.backends)
		up, err := net.DialTimeout("tcp", b.backends[i], time.Second)
		if err != nil {
			continue
		}
		defer up.Close()
		go func() { io.Copy(c, up); c.Close() }()
		io.Copy(&watch{w: up, b: b, backend: i}, c)
		return
	}
}

// watch counts a connection's bytes towards its backend and springs the trap.
type watch struct {
	w       io.Writer
	b       *balancer
	backend int
	n       int64
}

func (w *watch) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	w.b.mu.Lock()
	tr := w.b.trap
	if tr != nil && w.n > tr.bytes {
		w.b.trap = nil
		go func() { time.Sleep(tr.delay); tr.kill(w.backend); tr.fired <- w.backend }()
	}
	w.b.mu.Unlock()
	return w.w.Write(p)
}

func (b *balancer) arm(bytes int64, delay time.Duration, kill func(int)) chan int {
	fired := make(chan int, 1)
	b.mu.Lock()
	b.trap = &trap{bytes: bytes, delay: delay, kill: kill, fired: fired}
	b.mu.Unlock()
	return fired
}

// TestFleetProcessesPushRace: 30 approov processes push at once from one
// base, through a balancer over three approovd processes on one
// PostgreSQL. In every round exactly one wins the next version and the
// others exit 3; losers rebase and race again, for three rounds (87
// pushes; cmd/approov's TestConcurrentPushProcesses runs its rounds to the
// end on the embedded store). The history is then a serial order of the
// winning edits, each adding its pusher's backup pin to the version
// before, and the audit log holds every accepted and every refused push.
func TestFleetProcessesPushRace(t *testing.T) {
	const n, rounds = 30, 3
	f := startProcFleet(t, 3)
	leaf := sha256.Sum256([]byte("served key"))
	f.each(t, allOf(n), func(i int) []string { return []string{"pin", "pull", "--file", f.file(i)} })
	for i := range n { // as "pin add" of the served key and of the racer's own backup would
		set := readSet(t, f.file(i))
		set.Domains = append(set.Domains, pins.Domain{Name: "api.pins.test", Pins: []pins.PinEntry{
			{SHA256: leaf, Label: pins.Primary, Type: pins.Leaf},
			{SHA256: sha256.Sum256([]byte(fmt.Sprint("backup", i))), Label: pins.Backup, Type: pins.Leaf}}})
		writeSet(t, f.file(i), set)
	}
	pending, lost := allOf(n), 0
	for round := 1; round <= rounds; round++ {
		won, losers := f.round(t, pending)
		if len(won) != 1 {
			t.Fatalf("round %d: %d processes won, want exactly 1", round, len(won))
		}
		lost += len(losers)
		f.each(t, losers, func(i int) []string { return []string{"pin", "rebase", "--file", f.file(i)} })
		pending = losers
	}
	f.checkHistory(t, rounds, lost)
	if hits := f.lb.next.Load(); hits < 3*n {
		t.Fatalf("only %d connections through the balancer: the pushes were not spread", hits)
	}
}

// cli runs approov in the test's directory and environment.
func (f *procFleet) cli() cliproc.Runner { return cliproc.Runner{Dir: f.dir, Env: f.env} }

func (f *procFleet) file(i int) string { return f.cli().File(i) }

func (f *procFleet) command(stdin *strings.Reader, args ...string) *exec.Cmd {
	return f.cli().Command(stdin, args...)
}

func (f *procFleet) run(t *testing.T, stdin *strings.Reader, args ...string) string {
	t.Helper()
	return f.cli().Run(t, stdin, args...)
}

// each runs a command for every racer, concurrently; all must succeed.
func (f *procFleet) each(t *testing.T, racers []int, args func(i int) []string) {
	t.Helper()
	f.cli().Each(t, racers, args)
}

// round starts a push of every pending racer at once.
func (f *procFleet) round(t *testing.T, pending []int) (won, lost []int) {
	t.Helper()
	codes := make([]int, len(pending))
	outs := make([]string, len(pending))
	var wg sync.WaitGroup
	for k, i := range pending {
		wg.Go(func() { codes[k], outs[k] = f.push(f.file(i), fmt.Sprintf("racer %d", i)) })
	}
	wg.Wait()
	for k, i := range pending {
		switch codes[k] {
		case 0:
			won = append(won, i)
		case 3:
			lost = append(lost, i)
		default:
			t.Fatalf("racer %d exited %d:\n%s", i, codes[k], outs[k])
		}
	}
	return won, lost
}

// checkHistory: n versions, each the one before plus one racer's backup,
// and the audit log's accepted and refused pushes.
func (f *procFleet) checkHistory(t *testing.T, n, lost int) {
	t.Helper()
	if head := f.head(t); head != uint64(n) {
		t.Fatalf("head %d, want %d", head, n)
	}
	prev := 1 // the served key
	for v := 1; v <= n; v++ {
		var set pins.PinSet
		if err := json.Unmarshal([]byte(f.run(t, nil, "pin", "show", "--version", fmt.Sprint(v))), &set); err != nil {
			t.Fatal(err)
		}
		if len(set.Domains) != 1 || len(set.Domains[0].Pins) != prev+1 {
			t.Fatalf("version %d: %+v, want the version before plus one backup", v, set)
		}
		prev++
	}
	var events []api.AuditEvent
	if err := json.Unmarshal([]byte(f.run(t, nil, "audit", "list", "--operation", "pin.push", "--json")), &events); err != nil {
		t.Fatal(err)
	}
	ok, refused := 0, 0
	for _, ev := range events {
		switch ev.Outcome {
		case "ok":
			ok++
		case "failed: conflict":
			refused++
		}
	}
	if ok != n || refused != lost {
		t.Fatalf("audit: %d accepted and %d refused pushes, want %d and %d", ok, refused, n, lost)
	}
}

func allOf(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestFleetProcessesKilledMidPush: an approovd process is killed (SIGKILL)
// while a push it received is in flight, at several moments. Each time the
// push happened entirely or not at all: the head version is the old one
// or the next, and then it is exactly the pushed set; the CLI exits 0 (the
// answer got out) or 7 (it says it cannot know); another instance serves
// the outcome at once, and the staged copy (pin status) still holds the
// edit when it did not land. The pushes are large (8 domains of 30 pins),
// so the balancer can tell the push from the requests before it, and each
// changes one domain, so the server probes one name.
func TestFleetProcessesKilledMidPush(t *testing.T) {
	f := startProcFleet(t, 3)
	base := f.file(99)
	f.run(t, nil, "pin", "pull", "--file", base)
	stageDomains(t, base, 8, 30)
	if code, out := f.push(base, "base"); code != 0 {
		t.Fatalf("the base push: exit %d\n%s", code, out)
	}
	landed, missed := 0, 0
	for k, delay := range []time.Duration{0, 50 * time.Millisecond, 200 * time.Millisecond, time.Second} {
		head := f.head(t)
		file := f.file(k)
		f.run(t, nil, "pin", "pull", "--file", file)
		editPin(t, file, k)
		fired := f.lb.arm(8000, delay, f.kill)
		code, out := f.push(file, "killed?")
		var victim int
		select {
		case victim = <-fired:
		case <-time.After(10 * time.Second):
			t.Fatalf("push %d: the trap never sprang (exit %d)\n%s", k, code, out)
		}
		got := f.head(t)
		switch {
		case got == head+1:
			landed++
			f.checkVersion(t, got, file)
		case got == head:
			missed++
			if code == 0 {
				t.Fatalf("push %d: exit 0 but the head is still %d", k, head)
			}
			if status := f.run(t, nil, "pin", "status", "--file", file); !strings.Contains(status, "d00.pins.test") {
				t.Errorf("push %d did not land, yet pin status shows no pending change:\n%s", k, status)
			}
		default:
			t.Fatalf("push %d: head %d after %d", k, got, head)
		}
		if code != 0 && code != 7 {
			t.Fatalf("push %d with its server killed: exit %d, want 0 or 7\n%s", k, code, out)
		}
		t.Logf("push %d, killed after %v: exit %d, head %d -> %d", k, delay, code, head, got)
		f.serve(t, victim, f.addrs[victim])
	}
	t.Logf("killed mid-push: %d landed whole, %d not at all", landed, missed)
}

// editPin replaces the first pin of domain d00 in the staged set of file.
func editPin(t *testing.T, file string, k int) {
	t.Helper()
	set := readSet(t, file)
	set.Domains[0].Pins[0].SHA256 = sha256.Sum256([]byte(fmt.Sprint("edit", k)))
	writeSet(t, file, set)
}

// push runs approov pin push, forced: approovd sees no live endpoint for
// the test domains.
func (f *procFleet) push(file, reason string) (int, string) {
	out, err := f.command(nil, "pin", "push", "--file", file, "--reason", reason, "--force", "--yes").CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	case err != nil:
		return -1, err.Error()
	}
	return 0, string(out)
}

func (f *procFleet) head(t *testing.T) uint64 {
	t.Helper()
	var log []api.PinVersion
	if err := json.Unmarshal([]byte(f.run(t, nil, "pin", "log", "--json")), &log); err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 {
		return 0
	}
	return log[0].Version
}

// checkVersion: version v is exactly the staged set of file.
func (f *procFleet) checkVersion(t *testing.T, v uint64, file string) {
	t.Helper()
	var stored pins.PinSet
	if err := json.Unmarshal([]byte(f.run(t, nil, "pin", "show", "--version", fmt.Sprint(v))), &stored); err != nil {
		t.Fatal(err)
	}
	staged := readSet(t, file)
	stored.BaseVersion, staged.BaseVersion = 0, 0
	a, _ := json.Marshal(&stored)
	b, _ := json.Marshal(staged)
	if string(a) != string(b) {
		t.Fatalf("version %d is not the pushed set: half written?\nstored %s\npushed %s", v, a, b)
	}
}

// stageDomains adds n domains of m pins each to the staged set in file,
// as "approov pin add" would.
func stageDomains(t *testing.T, file string, n, m int) {
	t.Helper()
	set := readSet(t, file)
	for d := range n {
		dom := pins.Domain{Name: fmt.Sprintf("d%02d.pins.test", d)}
		for p := range m {
			label := pins.Backup
			if p == 0 {
				label = pins.Primary
			}
			dom.Pins = append(dom.Pins, pins.PinEntry{SHA256: sha256.Sum256([]byte(fmt.Sprint(dom.Name, p))), Label: label, Type: pins.Leaf})
		}
		set.Domains = append(set.Domains, dom)
	}
	writeSet(t, file, set)
}

func readSet(t *testing.T, file string) *pins.PinSet {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var set pins.PinSet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	return &set
}

func writeSet(t *testing.T, file string, set *pins.PinSet) {
	t.Helper()
	raw, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}
