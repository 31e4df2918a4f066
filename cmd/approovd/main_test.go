package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/approov-cli/approov/internal/app"
	"github.com/approov-cli/approov/internal/approovd"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// TestMain puts the real approov and approovd in the tests' PATH (this
// test binary run as either), for fleet_test.go's processes, and stops the
// private PostgreSQL cluster at the end.
func TestMain(m *testing.M) {
	testscript.Main(pgMain{m}, map[string]func(){
		"approov":  func() { os.Exit(app.Main()) },
		"approovd": func() { os.Exit(approovd.Main()) },
	})
}

type pgMain struct{ m *testing.M }

func (p pgMain) Run() int { return pgtest.Main(p.m) }
