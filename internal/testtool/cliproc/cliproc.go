// Package cliproc runs the approov binary found on PATH as test processes:
// one command, or one per racer at once, for the tests that race real CLI
// processes against one or several approovd (cmd/approov, cmd/approovd).
package cliproc

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Runner runs approov in Dir with Env (the tests' private HOME and
// APPROOV_HOME among them).
type Runner struct {
	Dir string
	Env []string
}

// File is racer i's working copy of the pin set, in Dir.
func (r Runner) File(i int) string { return filepath.Join(r.Dir, fmt.Sprintf("racer%02d.json", i)) }

// Command is `approov args...` reading stdin (nil: none).
func (r Runner) Command(stdin *strings.Reader, args ...string) *exec.Cmd {
	cmd := exec.Command("approov", args...)
	cmd.Env, cmd.Dir = r.Env, r.Dir
	if stdin != nil {
		cmd.Stdin = stdin
	}
	return cmd
}

// Run runs one command, which must succeed, and returns its output.
func (r Runner) Run(t testing.TB, stdin *strings.Reader, args ...string) string {
	t.Helper()
	out, err := r.Command(stdin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("approov %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Each runs a command for every racer, concurrently; all must succeed.
func (r Runner) Each(t testing.TB, racers []int, args func(i int) []string) {
	t.Helper()
	errs := make([]error, len(racers))
	var wg sync.WaitGroup
	for k, i := range racers {
		wg.Go(func() {
			if out, err := r.Command(nil, args(i)...).CombinedOutput(); err != nil {
				errs[k] = fmt.Errorf("racer %d: approov %s: %v\n%s", i, strings.Join(args(i), " "), err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
