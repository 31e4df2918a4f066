package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

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

// proxies are the scripts' pgproxy proxies, by script and name.
var proxies sync.Map // proxyKey → *pgtest.Proxy

type proxyKey struct {
	ts   *testscript.TestScript
	name string
}

// cmdPGProxy puts a proxy in front of a database, for faults; its URL goes
// in $NAME, and pgfault acts on it:
//
//	pgproxy NAME $PGURL
func cmdPGProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pgproxy NAME URL")
	}
	p, err := pgtest.NewProxy(args[1])
	ts.Check(err)
	key := proxyKey{ts, args[0]}
	proxies.Store(key, p)
	ts.Defer(func() { p.Close(); proxies.Delete(key) })
	ts.Setenv(args[0], p.URL())
}

// cmdPGFault acts on a pgproxy: freeze (the database stops answering, as
// in a network partition), thaw, or drop (every connection closed, as by
// a restart):
//
//	pgfault NAME freeze|thaw|drop
func cmdPGFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pgfault NAME freeze|thaw|drop")
	}
	v, ok := proxies.Load(proxyKey{ts, args[0]})
	if !ok {
		ts.Fatalf("pgfault: no pgproxy %s", args[0])
	}
	p := v.(*pgtest.Proxy)
	switch args[1] {
	case "freeze":
		p.Freeze()
	case "thaw":
		p.Thaw()
	case "drop":
		p.Drop()
	default:
		ts.Fatalf("pgfault: want freeze, thaw or drop")
	}
}

// cmdHTTPSGet fetches a URL from a server whose certificate CAFILE holds,
// and writes "status NNN" and the body to stdout:
//
//	httpsget CAFILE https://$ADDR/readyz
func cmdHTTPSGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: httpsget CAFILE URL")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(ts.ReadFile(args[0]))) {
		ts.Fatalf("httpsget: no certificate in %s", args[0])
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := c.Get(args[1])
	ts.Check(err)
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
	fmt.Fprintf(ts.Stdout(), "status %d\n%s", res.StatusCode, body)
}
