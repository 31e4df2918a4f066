package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/approov-cli/approov/internal/app"
	"github.com/approov-cli/approov/internal/approovd"
)

// clockEnv holds how far the scripts' clock runs ahead of the real one (a
// Go duration). Only this test binary reads it: the approov binary has no
// way to take its clock from the environment.
const clockEnv = "TESTSCRIPT_CLOCK_AHEAD"

// TestMain lets testscript run the real approov code as the "approov"
// command of the scripts under testdata/script, with the scripts' clock
// injected into its Factory.
func TestMain(m *testing.M) {
	testscript.Main(pgMain{m}, map[string]func(){
		"approov":  func() { os.Exit(app.Main(app.WithClock(scriptClock(os.Getenv(clockEnv))))) },
		"approovd": func() { os.Exit(approovd.Main()) },
	})
}

// scriptClock is the real clock moved ahead by the `clock` command.
func scriptClock(ahead string) func() time.Time {
	d, err := time.ParseDuration(ahead)
	if ahead == "" || err != nil {
		return time.Now
	}
	return func() time.Time { return time.Now().Add(d) }
}

// TestScripts runs every testdata/script/*.txtar scenario, each in a fresh
// temp directory with its own HOME and APPROOV_HOME.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join(root, "testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("APPROOV_HOME", filepath.Join(env.WorkDir, ".approov"))
			env.Setenv("REPO", root)
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: scriptCommands(t),
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" { // pg_harness_test.go, issue 12
				return pgCondition()
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}
