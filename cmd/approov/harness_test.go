package main

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/approov-cli/approov/internal/pins/pinstest"
)

// scriptCommands are the commands the scenarios add to testscript's own:
//
//	exits CODE command [args...]   run a command, check its exact exit code
//	clock advance DURATION         move the clock of later approov runs ahead
//	perm MODE FILE                 check a file's permission bits (e.g. 0600)
//	certgen [-days N] HOST         write ca.pem, leaf.pem, leaf.key for HOST;
//	                               set $LEAF_PIN and $CA_PIN (base64 SPKI SHA-256)
//	tlsserve VAR CERT KEY          serve CERT/KEY on 127.0.0.1, address in $VAR
//	subst IN OUT                   copy IN to OUT, expanding $VARS
//	jwt tamper|alg ALG IN OUT      forge a token from a real one (harness_token_test.go)
//	nosecret FILE                  the last stdout and stderr hold no encoding of FILE's secret
//	waitaddr VAR FILE              wait for a background approovd's address
//	tamperproxy VAR CERT KEY TARGET TOGGLE
//	                               a man in the middle altering answers
//	                               while TOGGLE exists
//	pgdb VAR...                    new PostgreSQL databases, URLs in $VAR...
//	pgexec URL SQL                 run one SQL statement on a database
//	pgproxy NAME URL               a proxy in front of a database, URL in $NAME
//	pgfault NAME freeze|thaw|drop  a partition, its end, or a restart
//	httpsget CAFILE URL            GET, "status NNN" and the body on stdout
//	simappd [-out FILE] CODE-FILE BUILD N [PROP...]
//	                               a simulated app attests N times to approovd (harness_simappd_test.go)
//	holdproxy VAR CERT KEY TARGET before|after MATCH ARM HELD RELEASE
//	                               a proxy that holds one request while
//	                               the script kills the server
//	waitfile FILE                  wait (at most 30 s) for FILE to exist
//
// t makes certificates only (pinstest needs a testing.TB); every failure
// inside a script goes through ts.Fatalf.
func scriptCommands(t *testing.T) map[string]func(*testscript.TestScript, bool, []string) {
	return map[string]func(*testscript.TestScript, bool, []string){
		"exits":       cmdExits,
		"clock":       cmdClock,
		"perm":        cmdPerm,
		"certgen":     func(ts *testscript.TestScript, neg bool, args []string) { cmdCertgen(t, ts, neg, args) },
		"tlsserve":    cmdTLSServe,
		"subst":       cmdSubst,
		"jwt":         cmdJWT,
		"simapp":      cmdSimApp, // the token service (issue 14)
		"nosecret":    cmdNoSecret,
		"waitaddr":    cmdWaitAddr,
		"tamperproxy": cmdTamperProxy,
		"simappd":     cmdSimAppd, // attestation metrics
		"holdproxy":   cmdHoldProxy,
		"waitfile":    cmdWaitFile,
		// PostgreSQL (pg_harness_test.go, issue 12)
		"pgdb":     cmdPGDB,
		"pgexec":   cmdPGExec,
		"pgproxy":  cmdPGProxy,
		"pgfault":  cmdPGFault,
		"httpsget": cmdHTTPSGet,
	}
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

// cmdClock moves the clock of every later approov run ahead; the runs get
// it through app.WithClock (see TestMain), service and client alike.
func cmdClock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || args[0] != "advance" {
		ts.Fatalf("usage: clock advance DURATION")
	}
	d, err := time.ParseDuration(args[1])
	if err != nil || d <= 0 {
		ts.Fatalf("clock advance %s: want a positive duration", args[1])
	}
	ahead, _ := time.ParseDuration(ts.Getenv(clockEnv))
	ts.Setenv(clockEnv, (ahead + d).String())
}

// cmdPerm checks the permission bits of a file: perm 0600 ci.token.
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm MODE FILE")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil {
		ts.Fatalf("perm %s: want an octal mode", args[0])
	}
	fi, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	if got := fi.Mode().Perm(); (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %#o; want %s%#o", args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdCertgen makes a CA and a leaf for HOST valid for
// -days N (default 365), and computes their pins independently of
// internal/pins, from the certificates' SPKI.
func cmdCertgen(t *testing.T, ts *testscript.TestScript, neg bool, args []string) {
	days := 365
	if len(args) == 3 && args[0] == "-days" {
		n, err := strconv.Atoi(args[1])
		if err != nil || n <= 0 {
			ts.Fatalf("certgen -days %s: want a positive number", args[1])
		}
		days, args = n, args[2:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: certgen [-days N] HOST")
	}
	ca := pinstest.NewCA(t, "Script Root")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{args[0]},
		NotAfter: time.Now().Add(time.Duration(days) * 24 * time.Hour)})
	der, err := x509.MarshalPKCS8PrivateKey(key)
	ts.Check(err)
	writePEM(ts, "ca.pem", "CERTIFICATE", ca.Cert.Raw)
	writePEM(ts, "leaf.pem", "CERTIFICATE", leaf.Raw)
	writePEM(ts, "leaf.key", "PRIVATE KEY", der)
	ts.Setenv("LEAF_PIN", spkiPin(leaf))
	ts.Setenv("CA_PIN", spkiPin(ca.Cert))
}

func spkiPin(c *x509.Certificate) string {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func writePEM(ts *testscript.TestScript, name, kind string, der []byte) {
	data := pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
	ts.Check(os.WriteFile(ts.MkAbs(name), data, 0o600))
}

// cmdTLSServe serves a certificate on a loopback port until the script
// ends: each connection gets a TLS handshake, then is closed.
func cmdTLSServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: tlsserve VAR CERT KEY")
	}
	cert, err := tls.LoadX509KeyPair(ts.MkAbs(args[1]), ts.MkAbs(args[2]))
	ts.Check(err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	ts.Check(err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	ts.Defer(func() { ln.Close(); wg.Wait() })
	ts.Setenv(args[0], ln.Addr().String())
}

// cmdSubst writes OUT from IN with $VAR and ${VAR} expanded from the
// script's environment: pin sets holding the pins certgen made.
func cmdSubst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: subst IN OUT")
	}
	in := ts.ReadFile(args[0])
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(os.Expand(in, ts.Getenv)), 0o600))
}
