package main

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
)

// pgMain runs the tests and then stops the private PostgreSQL cluster
// that pgdb may have started (testscript.Main exits with Run's code).
type pgMain struct{ m *testing.M }

func (p pgMain) Run() int { return pgtest.Main(p.m) }

// pgCondition is the scripts' [postgres] condition: whether there is a
// PostgreSQL to test on. Scripts start with "[!postgres] skip"; with
// CI=true its absence is an error instead, so they fail.
func pgCondition() (bool, error) {
	err := pgtest.Available()
	if err != nil && os.Getenv("CI") == "true" {
		return false, err
	}
	return err == nil, nil
}

// cmdPGDB gives the script new empty PostgreSQL databases, dropped when
// it ends, their URLs in the variables named:
//
//	pgdb PGURL [OTHER...]
func cmdPGDB(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: pgdb VAR...")
	}
	for _, name := range args {
		url, drop, err := pgtest.NewDatabase()
		if err != nil {
			ts.Fatalf("pgdb: %v", err)
		}
		ts.Defer(func() {
			if err := drop(); err != nil {
				ts.Logf("pgdb: drop %s: %v", name, err)
			}
		})
		ts.Setenv(name, url)
	}
}

// cmdPGExec runs one SQL statement on a database, as an operator would:
//
//	pgexec $PGURL 'UPDATE approov_schema_version SET version = 99'
func cmdPGExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: pgexec URL SQL")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, args[0])
	if err != nil {
		ts.Fatalf("pgexec: %v", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, args[1])
	if (err != nil) != neg {
		ts.Fatalf("pgexec %q: %v", args[1], err)
	}
}
