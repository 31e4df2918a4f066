package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/app"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run the real approov binary code in-process as
// the "approov" command of the scripts under testdata/script.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"approov": func() { os.Exit(app.Main()) },
	})
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
		Cmds: map[string]func(*testscript.TestScript, bool, []string){"exits": cmdExits},
	})
}

// cmdExits runs a command and checks its exact exit code:
//
//	exits 4 approov users list
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	err := ts.Exec(args[1], args[2:]...)
	got := "exit status 0"
	if err != nil {
		got = err.Error()
	}
	if want := "exit status " + args[0]; got != want {
		ts.Fatalf("%s: got %q, want %q", strings.Join(args[1:], " "), got, want)
	}
}
