package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
	"github.com/approov-cli/approov/internal/testtool/cliproc"
)

// TestConcurrentPushProcesses runs 20 approov processes that push from the
// same base at once, each staging its own backup pin. In every round
// exactly one wins the next version and the others exit 3; the losers
// rebase and race again, until all are in. The final set then equals a
// serial order of the 20 edits (all 20 pins), the log has 20 versions, and
// the audit log holds every accepted and every refused push.
func TestConcurrentPushProcesses(t *testing.T) {
	const n = 20
	r := newRace(t)
	backups := make([]string, n)
	for i := range backups {
		backups[i] = r.backup(t)
	}
	// Every racer's set must be valid alone: each has the served key too.
	r.each(t, allOf(n), func(i int) []string { return []string{"pin", "pull", "--file", r.file(i)} })
	r.each(t, allOf(n), func(i int) []string {
		return []string{"pin", "add", "api.pins.test", r.leaf.String(), "--file", r.file(i)}
	})
	r.each(t, allOf(n), func(i int) []string {
		return []string{"pin", "add", "api.pins.test", backups[i], "--backup", "--file", r.file(i)}
	})
	pending, lost := allOf(n), 0
	for round := 1; len(pending) > 0; round++ {
		won, losers := r.round(t, pending)
		if len(won) != 1 {
			t.Fatalf("round %d: %d processes won, want exactly 1", round, len(won))
		}
		lost += len(losers)
		r.each(t, losers, func(i int) []string { return []string{"pin", "rebase", "--file", r.file(i)} })
		pending = losers
	}
	r.checkFinal(t, n, lost)
}

type race struct {
	env  []string
	dir  string
	live []string // --ca-file and --connect-to
	leaf pins.Pin
}

func newRace(t *testing.T) *race {
	dir := t.TempDir()
	ca := pinstest.NewCA(t, "race root")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"api.pins.test"}})
	addr := pinstest.ServeTLS(t, key, leaf)
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &race{dir: dir, leaf: pins.Compute(leaf),
		env:  append(os.Environ(), "HOME="+dir, "APPROOV_HOME="+filepath.Join(dir, ".approov"), "NO_COLOR=1"),
		live: []string{"--ca-file", filepath.Join(dir, "ca.pem"), "--connect-to", "api.pins.test=" + addr}}
	r.run(t, strings.NewReader("correct horse battery staple\n"), "account", "create", "--local", "--name", "race", "--init", "--password-stdin")
	return r
}

// cli runs approov in the test's directory and environment.
func (r *race) cli() cliproc.Runner { return cliproc.Runner{Dir: r.dir, Env: r.env} }

func (r *race) file(i int) string { return r.cli().File(i) }

// backup is a pin of a fresh key nobody serves.
func (r *race) backup(t *testing.T) string {
	ca := pinstest.NewCA(t, "backup")
	return pins.Compute(ca.Cert).String()
}

func (r *race) command(stdin *strings.Reader, args ...string) *exec.Cmd {
	return r.cli().Command(stdin, args...)
}

func (r *race) run(t *testing.T, stdin *strings.Reader, args ...string) string {
	t.Helper()
	return r.cli().Run(t, stdin, args...)
}

// each runs a command for every racer, concurrently; all must succeed.
func (r *race) each(t *testing.T, racers []int, args func(i int) []string) {
	t.Helper()
	r.cli().Each(t, racers, args)
}

// round starts a push of every pending racer at once.
func (r *race) round(t *testing.T, pending []int) (won, lost []int) {
	codes := make([]int, len(pending))
	outs := make([][]byte, len(pending))
	var wg sync.WaitGroup
	for k, i := range pending {
		wg.Go(func() {
			args := append([]string{"pin", "push", "--file", r.file(i), "--reason", fmt.Sprintf("racer %d", i)}, r.live...)
			var ee *exec.ExitError
			out, err := r.command(nil, args...).CombinedOutput()
			if outs[k] = out; errors.As(err, &ee) {
				codes[k] = ee.ExitCode()
			} else if err != nil {
				codes[k] = -1
			}
		})
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

func (r *race) checkFinal(t *testing.T, n, lost int) {
	var log []api.PinVersion
	if err := json.Unmarshal([]byte(r.run(t, nil, "pin", "log", "--json")), &log); err != nil {
		t.Fatal(err)
	}
	if len(log) != n || log[0].Version != uint64(n) {
		t.Fatalf("log has %d versions, latest %+v; want %d", len(log), log[0], n)
	}
	var set pins.PinSet
	if err := json.Unmarshal([]byte(r.run(t, nil, "pin", "show", "--version", fmt.Sprint(n))), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Domains) != 1 || len(set.Domains[0].Pins) != n+1 {
		t.Fatalf("final set %+v: want one domain with the leaf pin and %d backups", set, n)
	}
	ok, refused := r.auditCounts(t)
	if ok != n || refused != lost {
		t.Fatalf("audit: %d accepted and %d refused pushes, want %d and %d", ok, refused, n, lost)
	}
}

// auditCounts counts the accepted and refused pushes in the audit log.
func (r *race) auditCounts(t *testing.T) (ok, refused int) {
	var events []api.AuditEvent
	if err := json.Unmarshal([]byte(r.run(t, nil, "audit", "list", "--operation", "pin.push", "--json")), &events); err != nil {
		t.Fatal(err)
	}
	for i, ev := range events {
		switch {
		case ev.Outcome == "ok":
			ok++
			if ev.ToVersion != ev.FromVersion+1 || !strings.HasPrefix(ev.Reason, "racer ") {
				t.Errorf("accepted push %d: %+v", i, ev)
			}
		case ev.Outcome == "failed: conflict":
			refused++
		}
	}
	return ok, refused
}

func allOf(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
